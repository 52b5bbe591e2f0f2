/**
 * What `tczbuild pin` resolved online, remembered beside the content-addressed cache so that
 * `pin --offline` can pin from the cache alone: `<cache>/tags/<registry>/<repository>/<tag>`
 * holds the digest a tag resolved to, `<cache>/urls/<sha256 of the URL>` the sha256 of what a
 * source URL served. Only pin reads or writes these; builds go by digests and hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { redactUserinfo } from '../../util/credentials.js';
import type { ImageReference } from '../reference.js';

const tagPath = (cacheDir: string, ref: ImageReference): string => join(cacheDir, 'tags', ref.registry, ...ref.repository.split('/'), ref.tag);
const urlPath = (cacheDir: string, url: string): string => join(cacheDir, 'urls', createHash('sha256').update(url).digest('hex'));

export const recordTag = (cacheDir: string, ref: ImageReference, digest: string): Promise<void> => remember(tagPath(cacheDir, ref), digest);
export const lookupTag = (cacheDir: string, ref: ImageReference): Promise<string | undefined> => recall(tagPath(cacheDir, ref), /^sha256:[0-9a-f]{64}$/);

/** The URL is written too (without any password), so a person reading the cache can tell the entries apart. */
export const recordUrl = (cacheDir: string, url: string, sha256: string): Promise<void> => remember(urlPath(cacheDir, url), `${sha256} ${redactUserinfo(url)}`);
export async function lookupUrl(cacheDir: string, url: string): Promise<string | undefined> {
  const line = await recall(urlPath(cacheDir, url), /^[0-9a-f]{64} /);
  return line?.slice(0, 64);
}

async function remember(path: string, value: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(4).toString('hex')}.part`;
  await writeFile(tmp, `${value}\n`);
  await rename(tmp, path);
}

async function recall(path: string, shape: RegExp): Promise<string | undefined> {
  try {
    const value = (await readFile(path, 'utf8')).trim();
    return shape.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
