/**
 * A packed stage tree is removed from its table, path by path; whatever the table does not name
 * (or a tree too large for that) is left to a recursive removal. Either way nothing is left, and
 * nothing outside the tree is touched: the cache entry a staged file was linked from keeps its bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeStage, stageRecipe } from '../../src/builder/stage.js';
import type { FetchedSource } from '../../src/builder/types.js';
import { recipeFromYaml, recipeHead } from '../initd/helpers/recipe.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const gone = (path: string): Promise<boolean> => stat(path).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'ENOENT');

async function staged(files: number): Promise<{ root: string; table: Awaited<ReturnType<typeof stageRecipe>>['table']; cached: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-remove-stage-'));
  dirs.push(dir);
  const bytes = Buffer.from('#!/bin/sh\necho tool\n');
  const cached = join(dir, 'cache-entry');
  await writeFile(cached, bytes);
  const lines = Array.from({ length: files }, (_, i) => `  - { url: "https://example.invalid/t${i}", sha256: ${sha256(bytes)}, install: { to: usr/local/lib/rm/d${i % 7}/t${i} } }`);
  const recipe = recipeFromYaml(`${recipeHead('rm')}sources:\n${lines.join('\n')}\nsymlinks:\n  - { path: usr/local/bin/rm-tool, target: ../lib/rm/d0/t0 }\ndirectories:\n  - { path: usr/local/share/rm/empty }\n`);
  const sources: FetchedSource[] = recipe.sources.map((spec) => ({ spec, path: cached, sha256: sha256(bytes), size: bytes.length }));
  const root = join(dir, 'work', 'root');
  const { table } = await stageRecipe({ recipe, sources, overlaysDir: join(dir, 'overlays'), generated: [], stageDir: root, env: process.env });
  return { root, table, cached };
}

describe('removeStage', () => {
  it('removes a small tree from its table and leaves the linked cache entry as it was', async () => {
    const { root, table, cached } = await staged(3);
    expect(table.size).toBeLessThan(40);
    expect((await stat(cached)).nlink).toBe(2); // the first path is a hard link to the entry
    await removeStage(root, table);
    expect(await gone(root)).toBe(true);
    expect(await readFile(cached, 'utf8')).toBe('#!/bin/sh\necho tool\n');
    expect((await stat(cached)).nlink).toBe(1);
  });

  it('removes what the table does not name, and a tree too large to remove path by path', async () => {
    const small = await staged(2);
    await mkdir(join(small.root, 'usr/local/lib/rm/d0/stray'), { recursive: true });
    await writeFile(join(small.root, 'usr/local/lib/rm/d0/stray/file'), 'not in the table');
    await removeStage(small.root, small.table);
    expect(await gone(small.root)).toBe(true);

    const large = await staged(300);
    expect(large.table.size).toBeGreaterThan(256);
    await removeStage(large.root, large.table);
    expect(await gone(large.root)).toBe(true);
    expect((await stat(large.cached)).nlink).toBe(1);
  });
});
