/** Issue 22: `all --shard I/N` splits recipes by name alone, so the split is stable and total. */
import { describe, expect, it } from 'vitest';
import { parseShard, shardOf, shareOf } from '../../src/builder/shard.js';
import { tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const names = Array.from({ length: 200 }, (_, i) => `ext-${i}`);

describe('shard shares', () => {
  it('every recipe is in exactly one of the N shares', () => {
    for (const count of [1, 2, 3, 7]) {
      const shares = Array.from({ length: count }, (_, i) => shareOf(names, { index: i + 1, count }));
      expect(shares.flat().sort()).toEqual([...names].sort());
    }
  });

  it('adding or removing a recipe moves no other recipe to another job', () => {
    const before = new Map(names.map((n) => [n, shardOf(n, 4)]));
    const more = [...names.slice(50), 'new-one', 'another'];
    for (const n of more) if (before.has(n)) expect(shardOf(n, 4), n).toBe(before.get(n));
  });

  it('the share is spread, not lumped: each of 4 jobs gets between 15% and 35% of 200 recipes', () => {
    for (let i = 1; i <= 4; i++) {
      const n = shareOf(names, { index: i, count: 4 }).length;
      expect(n).toBeGreaterThanOrEqual(30);
      expect(n).toBeLessThanOrEqual(70);
    }
  });

  it('parses I/N with 1 <= I <= N only', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1', '1/0', 'a/b', '-1/3', '1/3/5', '']) expect(parseShard(bad), bad).toBeUndefined();
  });

  it('a bad --shard, or --from-cache without the output cache, is a usage error (exit 2) before any work', async () => {
    const cwd = await testdir({});
    for (const bad of ['4/3', '0/3', 'half']) {
      const r = await tczbuild(['all', '--shard', bad], { cwd });
      expect(r.code, bad).toBe(2);
      expect(r.stdout + r.stderr).toContain(`--shard takes I/N with 1 <= I <= N (the job's number and the number of jobs), e.g. 2/3, not "${bad}"`);
    }
    const off = await tczbuild(['all', '--from-cache', '--no-output-cache'], { cwd });
    expect(off.code).toBe(2);
    expect(off.stdout + off.stderr).toContain('--from-cache takes extensions from the output cache, which --no-output-cache turns off');
  }, 30_000);
});
