/**
 * The stale-hash trap: a recipe whose url changed (a version bump) while its sha256 still names
 * the bytes the cache fetched from the old url is refused, naming the line and the fix, instead
 * of publishing the old release under the new name. Unchanged recipes still build offline, a new
 * url that serves the very same bytes is taken, and bytes a --source-mirror served for the
 * recipe's own url count as fetched for that url.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMirrorProject, type MirrorProject } from '../faults/helpers/mirror-project.js';
import { runCliJson } from '../faults/helpers/run.js';
import { snapshotTree } from '../faults/helpers/tree-snapshot.js';
import { testdir } from '../helpers/testdir.js';

let p: MirrorProject;
const run = (recipes: string, extra: readonly string[] = [], cache = p.cacheDir) => runCliJson(['all', '--recipes', recipes, '--out', p.outDir, '--cache', cache, ...extra], p.dir);

beforeAll(async () => {
  p = await createMirrorProject(await testdir({}, { keep: true }), 1);
  const r = await run(p.recipesA);
  expect(r.code, r.stderr + JSON.stringify(r.diagnostics)).toBe(0);
}, 120_000);
afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  if (p) await rm(p.dir, { recursive: true, force: true });
});

describe('a url bumped without its sha256', () => {
  it('is refused at the sha256 line with the fix, and out/ is left as it was', async () => {
    const bumped = join(p.dir, 'recipes-bumped');
    await cp(p.recipesA, bumped, { recursive: true });
    const beta = join(bumped, 'beta.yaml');
    const text = await readFile(beta, 'utf8');
    expect(text).toContain('beta-1.tar.gz');
    await writeFile(beta, text.replace('beta-1.tar.gz', 'beta-2.tar.gz').replace('version: "1.0"', 'version: "2.0"'));
    const before = await snapshotTree(p.outDir);
    const r = await run(bumped);
    expect(r.code).toBe(1);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['source-hash-stale']);
    const d = r.diagnostics[0]!;
    expect(d.file).toContain('beta.yaml');
    expect(d.line).toBeGreaterThan(0);
    expect(d.message).toContain('beta-1.tar.gz');
    expect(d.message).toContain('beta-2.tar.gz');
    expect(d.hint).toContain('tczbuild pin --force beta');
    expect(await snapshotTree(p.outDir)).toEqual(before);
  }, 60_000);

  it('still builds unchanged recipes from the cache with --offline', async () => {
    const r = await run(p.recipesA, ['--offline', '--force']);
    expect(r.code, r.stderr + JSON.stringify(r.diagnostics)).toBe(0);
  }, 60_000);

  it('takes a new url that serves exactly the pinned bytes (identical files at two URLs), and builds', async () => {
    const copied = join(p.dir, 'recipes-copied');
    await cp(p.recipesA, copied, { recursive: true });
    const beta = join(copied, 'beta.yaml');
    await cp(join(p.dir, 'sources', 'beta-1.tar.gz'), join(p.dir, 'sources', 'beta-1-copy.tar.gz'));
    await writeFile(beta, (await readFile(beta, 'utf8')).replace('beta-1.tar.gz', 'beta-1-copy.tar.gz'));
    const r = await run(copied, ['--offline', '--force']);
    expect(r.code, r.stderr + JSON.stringify(r.diagnostics)).toBe(0);
  }, 60_000);

  it('takes bytes a --source-mirror served for the recipe url as fetched for that url', async () => {
    const mirrored = join(p.dir, 'recipes-mirrored');
    await cp(p.recipesA, mirrored, { recursive: true });
    const beta = join(mirrored, 'beta.yaml');
    const local = pathToFileURL(join(p.dir, 'sources', 'beta-1.tar.gz')).href;
    await writeFile(beta, (await readFile(beta, 'utf8')).replace(local, 'https://upstream.invalid/dist/beta-1.tar.gz'));
    const cache = join(p.dir, 'cache-mirrored');
    const first = await run(mirrored, ['--source-mirror', join(p.dir, 'sources'), '--force'], cache);
    expect(first.code, first.stderr + JSON.stringify(first.diagnostics)).toBe(0);
    const again = await run(mirrored, ['--offline', '--force'], cache);
    expect(again.code, again.stderr + JSON.stringify(again.diagnostics)).toBe(0);
  }, 60_000);
});
