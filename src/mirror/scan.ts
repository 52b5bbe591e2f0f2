/**
 * Filesystem helpers shared by index writing, verify and the CLI: list the extensions in a tcz
 * directory, read an optional companion file, md5 a file by streaming it, and find every
 * `<major>.x/<arch>/tcz` directory under an output tree. Reads only; never writes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseTczRelPath } from './layout.js';
import { readIfSmall } from '../util/small-file.js';

/** `NAME.tcz` file names of the regular files in a tcz directory, in byte order. */
export async function listExtensions(tczDir: string): Promise<string[]> {
  const entries = await readdir(tczDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.tcz') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The file's text, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** readOptional for files of a few hundred bytes read by the thousand (verify): no thread-pool round trip each. */
export function readOptionalSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function md5File(path: string): Promise<string> {
  const small = readIfSmall(path);
  if (small) return createHash('md5').update(small).digest('hex');
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The tcz directories a user means by DIR: DIR itself when it holds `.tcz` files or is named
 * `tcz`, else every `<major>.x/<arch>/tcz` below it (an `out/` tree).
 */
export async function findTczDirs(dir: string): Promise<string[]> {
  if (dir.split(sep).pop() === 'tcz' || (await listExtensions(dir).catch(() => [])).length > 0) return [dir];
  const found: string[] = [];
  for (const release of await readdir(dir, { withFileTypes: true })) {
    if (!release.isDirectory() || !/^\d+\.x$/.test(release.name)) continue;
    for (const arch of await readdir(join(dir, release.name), { withFileTypes: true })) {
      const candidate = join(dir, release.name, arch.name, 'tcz');
      if (arch.isDirectory() && parseTczRelPath(relative(dir, candidate).split(sep)) && (await isDirectory(candidate))) found.push(candidate);
    }
  }
  return found.sort();
}
