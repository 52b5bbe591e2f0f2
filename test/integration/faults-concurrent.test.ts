/**
 * Two `tczbuild all` at once on the same out/, one publishing recipe set A and one set B, both
 * with --force, started a seeded random few milliseconds apart. Either both succeed one after
 * the other, or one refuses with out-locked naming the other's pid; out/ is then exactly one
 * complete mirror (A or B, the winner's when only one ran), `verify` passes on it, and nothing
 * is left beside it.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildEvent } from '../../src/report/reporter.js';
import { createMirrorProject, type MirrorProject } from '../faults/helpers/mirror-project.js';
import { runTczbuildWith } from '../faults/helpers/run-recipes.js';
import { killGroup, seededRandom, sleep, startCli, type CliProcess } from '../faults/helpers/spawn-cli.js';
import { leftoversBeside, snapshotTree, type TreeSnapshot } from '../faults/helpers/tree-snapshot.js';
import { testdir } from '../helpers/testdir.js';

const seed = Number(process.env.TCZ_FAULT_SEED ?? 20261124);
const rounds = 5;

let p: MirrorProject;
const snap: Record<'A' | 'B', TreeSnapshot> = { A: {}, B: {} };

beforeAll(async () => {
  p = await createMirrorProject(await testdir({}, { keep: true }), 2);
  for (const set of ['B', 'A'] as const) {
    const r = await runTczbuildWith(p, set, ['all']);
    expect(r.code, JSON.stringify(r.diagnostics)).toBe(0);
    snap[set] = await snapshotTree(p.outDir);
  }
}, 240_000);

afterAll(async () => {
  if (p) await rm(p.dir, { recursive: true, force: true });
});

const start = (set: 'A' | 'B'): CliProcess =>
  startCli(['all', '--force', '--recipes', set === 'A' ? p.recipesA : p.recipesB, '--out', p.outDir, '--cache', p.cacheDir, '--json'], p.dir);

function diagnosticsOf(stdout: string): Array<{ id: string; message: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as BuildEvent)
    .flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic] : []));
}

describe('two tczbuild all at once on one out/', () => {
  it(`serialize or refuse clearly, never a mixed mirror, over ${rounds} seeded rounds (seed ${seed})`, async () => {
    const random = seededRandom(seed);
    const log: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const first: 'A' | 'B' = random() < 0.5 ? 'A' : 'B';
      const second: 'A' | 'B' = first === 'A' ? 'B' : 'A';
      const gap = Math.round(random() * 150);
      const one = start(first);
      await sleep(gap);
      const two = start(second);
      const [r1, r2] = await Promise.all([one.done, two.done]);
      killGroup(one);
      killGroup(two);
      log.push(`round ${round}: ${first} then ${second} ${gap} ms later: exits ${r1.code}, ${r2.code}`);

      const results = [
        { set: first, r: r1, other: two.pid },
        { set: second, r: r2, other: one.pid },
      ];
      for (const { r, other } of results) {
        expect([0, 1], `${log.at(-1)}\n${r.stdout}${r.stderr}`).toContain(r.code);
        if (r.code === 1) {
          expect(diagnosticsOf(r.stdout).map((d) => d.id)).toEqual(['out-locked']);
          expect(diagnosticsOf(r.stdout)[0]!.message).toContain(`being published by tczbuild process ${other}`);
        }
      }
      const winners = results.filter((x) => x.r.code === 0);
      expect(winners.length, log.at(-1)).toBeGreaterThanOrEqual(1);

      const now = await snapshotTree(p.outDir);
      const matches = (['A', 'B'] as const).filter((s) => JSON.stringify(now) === JSON.stringify(snap[s]));
      expect(matches, `${log.at(-1)}: out/ is neither A nor B`).toHaveLength(1);
      if (winners.length === 1) expect(matches[0]).toBe(winners[0]!.set);
      log[log.length - 1] += ` -> out/ is ${matches[0]}`;
      expect(await leftoversBeside(p.outDir)).toEqual([]);
      const verify = await runTczbuildWith(p, matches[0]!, ['verify', p.outDir], { noProjectFlags: true });
      expect(verify.code, JSON.stringify(verify.diagnostics)).toBe(0);
    }
    console.log(log.join('\n'));
  }, 300_000);
});
