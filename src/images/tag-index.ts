/**
 * The cache's memory of which digest a tag resolved to when it was last pinned online
 * (`<cache>/tags/<registry>/<repository>/<tag>` holding `sha256:…`), so `tczbuild pin --offline`
 * can pin from the cache alone. Only pin writes it; builds never read it (they use digests).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ImageReference } from './reference.js';

function entryPath(cacheDir: string, ref: ImageReference): string {
  return join(cacheDir, 'tags', ref.registry, ...ref.repository.split('/'), ref.tag);
}

export async function recordTag(cacheDir: string, ref: ImageReference, digest: string): Promise<void> {
  const path = entryPath(cacheDir, ref);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.part`;
  await writeFile(tmp, `${digest}\n`);
  await rename(tmp, path);
}

export async function lookupTag(cacheDir: string, ref: ImageReference): Promise<string | undefined> {
  try {
    const digest = (await readFile(entryPath(cacheDir, ref), 'utf8')).trim();
    return /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined;
  } catch {
    return undefined;
  }
}
