/**
 * The out/ lock under contention: four processes take and release it as fast as they can.
 * Whoever holds it must hold it alone; a second holder means two builds publishing into one
 * out/ at once (the mixed mirror the lock exists to prevent).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testdir } from '../helpers/testdir.js';

const repo = join(import.meta.dirname, '..', '..');
const tsx = pathToFileURL(join(repo, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const hammer = join(repo, 'test', 'faults', 'helpers', 'lock-hammer.ts');

function run(outDir: string, rounds: number, deadPid?: number): Promise<{ acquired: number; refused: number; overlaps: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, hammer, outDir, String(rounds), ...(deadPid === undefined ? [] : [String(deadPid)])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out.trim()) as { acquired: number; refused: number; overlaps: number });
      else reject(new Error(`lock hammer exited ${code}: ${out}`));
    });
  });
}

describe('the out/ lock under contention', () => {
  it('is never held by two processes at once', async () => {
    const outDir = join(await testdir(), 'out');
    const results = await Promise.all([1, 2, 3, 4].map(() => run(outDir, 150)));
    const total = results.reduce((a, r) => ({ acquired: a.acquired + r.acquired, refused: a.refused + r.refused, overlaps: a.overlaps + r.overlaps }), { acquired: 0, refused: 0, overlaps: 0 });
    expect(total.acquired).toBeGreaterThan(20);
    expect(total.refused).toBeGreaterThan(0);
    expect(total.overlaps, JSON.stringify(results)).toBe(0);
  }, 120_000);

  it('is never held by two processes at once while they take over locks left by killed builds', async () => {
    const outDir = join(await testdir(), 'out');
    const dead = spawnSync('true').pid!;
    const results = await Promise.all([1, 2, 3, 4].map(() => run(outDir, 150, dead)));
    const overlaps = results.reduce((a, r) => a + r.overlaps, 0);
    expect(results.reduce((a, r) => a + r.acquired, 0)).toBeGreaterThan(20);
    expect(overlaps, JSON.stringify(results)).toBe(0);
  }, 120_000);
});
