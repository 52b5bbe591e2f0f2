/**
 * Several targets in one run: `targets:` in tczbuild.yaml makes one `all` build every recipe
 * for each target into out/<ver>.x/<arch>/tcz with its own indexes and state, a recipe with no
 * sources for an arch is reported and skipped there, --target narrows the run, and the built
 * CLI's no-op fast path answers per target.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipeText } from '../helpers/recipe-text.js';
import { testdir } from '../helpers/testdir.js';

const repo = new URL('../..', import.meta.url).pathname;
const cli = join(repo, 'dist/cli/main.js');
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const bins: Record<string, string> = { x86_64: '#!/bin/sh\necho x86_64 build\n', aarch64: '#!/bin/sh\necho aarch64 build\n' };

function recipe(name: string, arches: string[]): string {
  return recipeText(name, `sources:
${arches.map((a) => `  - url: http://127.0.0.1:9/dl/${name}-${a}
    sha256: ${sha(bins[a]!)}
    arch: [${a}]
    install: { to: usr/local/bin/${name}, mode: "0755" }
`).join('')}`);
}

let dir: string;
type Event = { type: string; name?: string; reason?: string; message?: string; target?: string; diagnostic?: { id: string; message: string } };

async function run(...args: string[]): Promise<{ code: number; events: Event[] }> {
  const r = await promisify(execFile)(process.execPath, [cli, 'all', '--offline', '--json', ...args], { cwd: dir, env: { ...process.env, CI: 'true' } }).catch((e: { code: number; stdout: string }) => ({ ...e, stdout: e.stdout }));
  return { code: (r as { code?: number }).code ?? 0, events: r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Event) };
}

beforeAll(async () => {
  expect(existsSync(join(repo, 'dist/build-id.txt')), 'the built CLI is missing: run npm run build').toBe(true);
  dir = await testdir(
    {
    'tczbuild.yaml': 'targets: [15.x/x86_64, 15.x/aarch64, 11.x/x86_64]\ncache: cache\nsource-mirrors: [vendor]\n',
    'recipes/tool.yaml': recipe('tool', ['x86_64', 'aarch64']),
    'recipes/armonly.yaml': recipe('armonly', ['aarch64']),
    'vendor/tool-x86_64': bins.x86_64!,
    'vendor/tool-aarch64': bins.aarch64!,
    'vendor/armonly-aarch64': bins.aarch64!,
    },
    { keep: true },
  );
  // The fast path keys on git HEAD, as in a real project.
  execFileSync('git', ['init', '-q'], { cwd: dir });
});

/** Every file under a directory with its sha256, to compare a tree before and after. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const p = join(f.parentPath, f.name);
    out[p.slice(root.length + 1)] = createHash('sha256').update(await readFile(p)).digest('hex');
  }
  return out;
}

afterAll(() => rm(dir, { recursive: true, force: true }));

const catTool = (target: string): string => execFileSync('unsquashfs', ['-cat', join(dir, 'out', target, 'tcz/tool.tcz'), 'usr/local/bin/tool'], { encoding: 'utf8' });

describe('targets: in tczbuild.yaml', () => {
  it('builds every recipe for each target into its own tree, skipping what has no sources there', async () => {
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.events.filter((e) => e.type === 'info' && e.message?.startsWith('target ')).map((e) => e.message)).toEqual(['target 15.x/x86_64', 'target 15.x/aarch64', 'target 11.x/x86_64']);
    expect(catTool('15.x/x86_64')).toBe(bins.x86_64);
    expect(catTool('15.x/aarch64')).toBe(bins.aarch64);
    expect(catTool('11.x/x86_64')).toBe(bins.x86_64);
    expect((await readdir(join(dir, 'out/15.x/aarch64/tcz'))).filter((f) => f.endsWith('.tcz'))).toEqual(['armonly.tcz', 'tool.tcz']);
    for (const t of ['15.x/x86_64', '11.x/x86_64']) {
      expect((await readdir(join(dir, 'out', t, 'tcz'))).filter((f) => f.endsWith('.tcz'))).toEqual(['tool.tcz']);
      expect(await readFile(join(dir, 'out', t, 'tcz/md5.db'), 'utf8')).not.toContain('armonly');
    }
    expect(await readFile(join(dir, 'out/15.x/aarch64/tcz/md5.db'), 'utf8')).toContain('armonly.tcz');
    const skipped = r.events.filter((e) => e.diagnostic?.id === 'no-sources-for-target').map((e) => e.diagnostic!.message);
    expect(skipped).toEqual([
      'armonly has no sources for 15.x/x86_64 (its sources are for aarch64), so it is not built for this target',
      'armonly has no sources for 11.x/x86_64 (its sources are for aarch64), so it is not built for this target',
    ]);
  });

  it('keeps state per target and answers an unchanged run from each target\'s stamp', async () => {
    const names = async (t: string): Promise<string[]> => Object.keys((JSON.parse(await readFile(join(dir, 'out/.tczbuild', `${t}.json`), 'utf8')) as { extensions: object }).extensions).sort();
    expect(await names('15.x-aarch64')).toEqual(['armonly', 'tool']);
    expect(await names('15.x-x86_64')).toEqual(['tool']);
    expect(await names('11.x-x86_64')).toEqual(['tool']);
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.events.some((e) => e.type === 'rebuild')).toBe(false);
    const skips = again.events.filter((e) => e.type === 'skip');
    expect(skips.map((e) => e.name).sort()).toEqual(['armonly', 'tool', 'tool', 'tool']);
    expect(skips.every((e) => e.reason === 'no input changed since the last build')).toBe(true);
    // each skip names the target it is for: `tool` is skipped three times, once per target
    expect(skips.map((e) => `${e.target} ${e.name}`).sort()).toEqual(['11.x/x86_64 tool', '15.x/aarch64 armonly', '15.x/aarch64 tool', '15.x/x86_64 tool']);
  });

  it('explain covers every target and names it on each line', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'explain', '--json'], { cwd: dir, env: { ...process.env, CI: 'true' } });
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as Event);
    const lines = events.filter((e) => e.type === 'skip' || e.type === 'rebuild').map((e) => `${e.target} ${e.name}`);
    expect(lines.sort()).toEqual(['11.x/x86_64 tool', '15.x/aarch64 armonly', '15.x/aarch64 tool', '15.x/x86_64 tool']);
  });

  it('--target narrows the run to one target', async () => {
    const narrowed = await run('--target', '15.x/aarch64', '--force');
    expect(narrowed.code).toBe(0);
    expect(narrowed.events.filter((e) => e.type === 'rebuild').map((e) => e.name).sort()).toEqual(['armonly', 'tool']);
    expect(narrowed.events.some((e) => e.message?.startsWith('target '))).toBe(false);
    expect(narrowed.events.some((e) => e.diagnostic?.id === 'no-sources-for-target')).toBe(false);
  });

  it('publishes no target when a later one fails: out/ stays as the last good run left it', async () => {
    const two = await testdir({
      'tczbuild.yaml': 'targets: [15.x/x86_64, 15.x/aarch64]\ncache: cache\nsource-mirrors: [vendor]\n',
      'recipes/tool.yaml': recipe('tool', ['x86_64', 'aarch64']),
      'vendor/tool-x86_64': bins.x86_64!,
      'vendor/tool-aarch64': bins.aarch64!,
    });
    const first = await promisify(execFile)(process.execPath, [cli, 'all', '--offline', '--json'], { cwd: two, env: { ...process.env, CI: 'true' } });
    expect(first.stdout).toContain('"type":"manifest"');
    const before = await snapshot(join(two, 'out'));
    // The first target now builds something new; the second cannot (its source is gone).
    const changed = '#!/bin/sh\necho x86_64 build, second version\n';
    await writeFile(join(two, 'vendor/tool-x86_64'), changed);
    await writeFile(join(two, 'recipes/tool.yaml'), (await readFile(join(two, 'recipes/tool.yaml'), 'utf8')).replace(sha(bins.x86_64!), sha(changed)));
    await rm(join(two, 'vendor/tool-aarch64'));
    await rm(join(two, 'cache'), { recursive: true });
    const failed = await promisify(execFile)(process.execPath, [cli, 'all', '--offline', '--json'], { cwd: two, env: { ...process.env, CI: 'true' } }).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(failed?.code).toBeGreaterThan(0);
    expect(failed?.stdout).toMatch(/"rebuild","name":"tool".*"target":"15.x\/x86_64"/);
    // Neither target was published: out/ is byte for byte what the first run left.
    expect(await snapshot(join(two, 'out'))).toEqual(before);
    expect(execFileSync('unsquashfs', ['-cat', join(two, 'out/15.x/x86_64/tcz/tool.tcz'), 'usr/local/bin/tool'], { encoding: 'utf8' })).toBe(bins.x86_64);
    expect((await readdir(two)).filter((n) => n.startsWith('.out.'))).toEqual([]);
  });

  it('fetch fills the cache for every target', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'fetch', '--cache', 'fetched'], { cwd: dir, env: { ...process.env, CI: 'true' } });
    expect(stdout).toContain(`4 sources and 0 images verified in ${join(dir, 'fetched')}`);
  });
});
