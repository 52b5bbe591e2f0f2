/**
 * A recipe with several archives: the first unpacks into the stage, the others at once beside it
 * and are merged in recipe order. What a user would check: the image holds every archive's files,
 * and the refusals (a duplicate, a path under an earlier source's symlink or file) name the
 * sources in recipe order, even when a later archive finished unpacking first. Nothing is left
 * beside the stage.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageRecipe } from '../../src/builder/stage.js';
import type { FetchedSource } from '../../src/builder/types.js';
import { isTczError } from '../../src/diagnostics/errors.js';
import { recipeFromYaml, recipeHead } from '../initd/helpers/recipe.js';
import { makeTarGz, type TarEntry } from '../helpers/tarball.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Stage a recipe whose sources are these archives, in this order; the stage directory and the result or the error. */
async function stage(archives: Record<string, readonly TarEntry[]>) {
  const work = await mkdtemp(join(tmpdir(), 'tczbuild-stage-archives-'));
  dirs.push(work);
  const files: Array<{ name: string; path: string; bytes: Buffer }> = [];
  for (const [name, entries] of Object.entries(archives)) {
    const bytes = await makeTarGz(entries);
    const path = join(work, name);
    await writeFile(path, bytes);
    files.push({ name, path, bytes });
  }
  const recipe = recipeFromYaml(`${recipeHead('several')}sources:\n${files.map((f) => `  - { url: "https://example.invalid/${f.name}", sha256: ${sha256(f.bytes)}, extract: { strip: 0 } }\n`).join('')}`);
  const sources: FetchedSource[] = recipe.sources.map((spec, i) => ({ spec, path: files[i]!.path, sha256: sha256(files[i]!.bytes), size: files[i]!.bytes.length }));
  const stageDir = join(work, 'root');
  const result = await stageRecipe({ recipe, sources, overlaysDir: join(work, 'overlays'), generated: [], stageDir, env: process.env }).then(
    (r) => ({ ok: true as const, table: r.table }),
    (error: unknown) => {
      if (!isTczError(error)) throw error;
      return { ok: false as const, messages: error.diagnostics.map((d) => `${d.id}: ${d.message}`) };
    },
  );
  return { work, stageDir, result, ids: recipe.sources.map((s) => s.id) };
}

/** Many files: an archive that takes longer to unpack than a one-file archive after it. */
const bulk = (dir: string): TarEntry[] => Array.from({ length: 400 }, (_, i) => ({ name: `${dir}/f${i}`, content: `${i}\n`.repeat(200) }));

describe('several archives in one recipe', () => {
  it('places every archive, a directory two of them name once, and leaves nothing beside the stage', async () => {
    const { work, stageDir, result } = await stage({
      'a.tar.gz': [{ name: 'usr/local/bin/a', content: 'a\n', mode: 0o755 }],
      'b.tar.gz': [{ name: 'usr/share/shared/', type: 'directory', mode: 0o700 }, ...bulk('usr/share/b')],
      'c.tar.gz': [{ name: 'usr/share/shared/', type: 'directory', mode: 0o750 }, { name: 'usr/share/shared/c', content: 'c\n' }],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(await readFile(join(stageDir, 'usr/local/bin/a'), 'utf8')).toBe('a\n');
    expect(await readFile(join(stageDir, 'usr/share/b/f399'), 'utf8')).toBe('399\n'.repeat(200));
    expect(await readFile(join(stageDir, 'usr/share/shared/c'), 'utf8')).toBe('c\n');
    // an archive's directory modes are not kept: every image directory is 0755 unless files: says otherwise
    expect(result.table.get('usr/share/shared')).toMatchObject({ type: 'dir', mode: 0o755, uid: 0, gid: 0 });
    expect(result.table.get('usr/share/shared/c')?.type).toBe('file');
    expect((await readdir(join(stageDir, 'usr/share/b'))).length).toBe(400);
    expect(await readdir(work)).not.toContainEqual(expect.stringMatching(/^root\.src-/));
  });

  it('refuses a file two later archives both place, naming them in recipe order though the last finished first', async () => {
    const { ids, result } = await stage({
      'a.tar.gz': [{ name: 'usr/local/bin/a', content: 'a\n' }],
      'b.tar.gz': [...bulk('usr/share/b'), { name: 'usr/share/same', content: 'b\n' }],
      'c.tar.gz': [{ name: 'usr/share/same', content: 'c\n' }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.messages).toEqual([`duplicate-target: "usr/share/same" is placed by both ${ids[1]} and ${ids[2]}`]);
  });

  it('refuses a path under an earlier archive\'s symlink and writes nothing through it', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'tczbuild-stage-archives-outside-'));
    dirs.push(outside);
    const { ids, stageDir, result } = await stage({
      'a.tar.gz': [{ name: 'usr/lib', type: 'symlink', linkname: outside }],
      'b.tar.gz': [{ name: 'usr/lib/evil', content: 'x\n' }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.messages).toEqual([`archive-unsafe-entry: ${ids[1]}: "usr/lib/evil" would be written through the symlink "usr/lib"`]);
    expect(await readdir(outside)).toEqual([]);
    expect((await lstat(join(stageDir, 'usr/lib'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a path below a file an earlier archive placed', async () => {
    const { ids, result } = await stage({
      'a.tar.gz': [{ name: 'etc/x', content: 'file\n' }],
      'b.tar.gz': [{ name: 'etc/x/y', content: 'below\n' }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.messages).toEqual([`duplicate-target: ${ids[1]}: "etc/x/y" goes below a path an earlier source placed as a file`]);
  });
});
