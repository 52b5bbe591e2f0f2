/**
 * The no-op fast path of the built CLI: a second `tczbuild all` with nothing changed answers
 * from the stamp without loading recipes, and any change to an input or to out/ sends it back
 * to the full build-key check.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpineProject, type SpineProject } from './helpers/spine-project.js';

const repo = new URL('../..', import.meta.url).pathname;
const cli = join(repo, 'dist/cli/main.js');
let p: SpineProject;

async function all(): Promise<{ skips: Array<{ name: string; reason: string }>; rebuilt: string[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'all', '--cache', 'cache', '--json'], { cwd: p.dir, env: { ...process.env, CI: 'true' } });
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; name: string; reason: string });
  return { skips: events.filter((e) => e.type === 'skip'), rebuilt: events.filter((e) => e.type === 'rebuild').map((e) => e.name) };
}

beforeAll(async () => {
  expect(existsSync(join(repo, 'dist/build-id.txt')), 'the built CLI is missing: run npm run build').toBe(true);
  p = await createSpineProject();
  expect((await all()).rebuilt).toEqual(['base', 'app', 'solo']);
});
afterAll(() => p?.close());

const fast = 'no input changed since the last build';

describe('tczbuild all with nothing changed', () => {
  it('answers from the stamp', async () => {
    const run = await all();
    expect(run.rebuilt).toEqual([]);
    expect(run.skips.map((s) => [s.name, s.reason])).toEqual([['base', fast], ['app', fast], ['solo', fast]]);
  });

  it('still answers from the stamp when a file is touched but not changed: content decides, not mtime', async () => {
    const conf = join(p.dir, 'rootfs-overlays/base/usr/local/etc/base.conf');
    await utimes(conf, new Date(), new Date(Date.now() + 5000));
    const run = await all();
    expect(run.rebuilt).toEqual([]);
    expect(run.skips.every((s) => s.reason === fast)).toBe(true);
  });

  it('rebuilds when an overlay file changes, even at the same size', async () => {
    await writeFile(join(p.dir, 'rootfs-overlays/base/usr/local/etc/base.conf'), 'conf=2\n');
    expect((await all()).rebuilt).toEqual(['base', 'app']);
  });

  it('rebuilds an overlay rewritten at the same size with its old mtime (cp -p, rsync -t), and explain agrees', async () => {
    const conf = join(p.dir, 'rootfs-overlays/base/usr/local/etc/base.conf');
    // whole seconds, so that putting the mtime back is exact (as cp -p does)
    await utimes(conf, 1_600_000_000, 1_600_000_000);
    expect((await all()).rebuilt).toEqual([]);
    const before = await stat(conf);
    expect(before.mtimeMs).toBe(1_600_000_000_000);
    const text = await readFile(conf, 'utf8');
    const changed = text.replace(/.$/s, (c) => (c === 'x' ? 'y' : 'x'));
    expect(changed.length).toBe(text.length);
    await writeFile(conf, changed);
    await utimes(conf, 1_600_000_000, 1_600_000_000);
    expect((await stat(conf)).mtimeMs).toBe(before.mtimeMs);
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'explain', '--cache', 'cache', '--json'], { cwd: p.dir, env: { ...process.env, CI: 'true' } });
    expect(stdout).toContain('overlay base changed');
    expect((await all()).rebuilt).toEqual(['base', 'app']);
  });

  it('rebuilds when a published image disappears from out/', async () => {
    await rm(join(p.dir, 'out/11.x/x86_64/tcz/solo.tcz'));
    expect((await all()).rebuilt).toEqual(['solo']);
  });
});
