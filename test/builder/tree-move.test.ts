/**
 * The order moveTreeInto() renames a directory's files in: an image's .md5.txt just before the
 * image, its other companions after it, indexes last, so an index never names an image that is
 * not there yet and an image is one rename away from its sum (faults-publish.test.ts checks that
 * no name goes missing under real publishes; this pins the order itself).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { testdir } from '../helpers/testdir.js';

const renames: string[] = [];
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return {
    ...fs,
    rename: async (from: string, to: string) => {
      renames.push(to);
      return fs.rename(from, to);
    },
  };
});
const { moveTreeInto } = await import('../../src/builder/tree-move.js');

describe('moveTreeInto', () => {
  it('renames a .md5.txt just before its image, then the other companions, then the indexes', async () => {
    const dir = await testdir();
    const names = ['md5.db', 'b.tcz.dep', 'b.tcz', 'b.tcz.md5.txt', 'a.tcz.info', 'a.tcz', 'a.tcz.md5.txt', 'tags.db'];
    for (const side of ['from', 'to']) {
      await mkdir(join(dir, side), { recursive: true });
      for (const n of names) await writeFile(join(dir, side, n), `${side} ${n}`);
    }
    renames.length = 0;
    await moveTreeInto(join(dir, 'from'), join(dir, 'to'));
    const order = renames.map((p) => p.slice(join(dir, 'to').length + 1));
    expect(order.indexOf('a.tcz.md5.txt')).toBeLessThan(order.indexOf('a.tcz'));
    expect(order.indexOf('b.tcz.md5.txt')).toBeLessThan(order.indexOf('b.tcz'));
    for (const companion of ['a.tcz.info', 'b.tcz.dep']) expect(order.indexOf(companion)).toBeGreaterThan(Math.max(order.indexOf('a.tcz'), order.indexOf('b.tcz')));
    expect(order.slice(-2).sort()).toEqual(['md5.db', 'tags.db']);
    expect((await readdir(join(dir, 'to'))).sort()).toEqual([...names].sort());
  });
});
