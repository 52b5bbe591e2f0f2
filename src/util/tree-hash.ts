/**
 * treeSha256(): one sha256 for an unpacked directory tree, the same for a git checkout of a
 * commit and for that commit's archive tarball unpacked, so one pin verifies both. It covers
 * what git records and nothing else:
 *   - every regular file and symlink, by its path relative to the root ('/'-separated, sorted
 *     by UTF-8 byte order);
 *   - a file's mode as git stores it: 100755 when the owner may execute it, else 100644 (so a
 *     read-only checkout, a umask, or tar's 0664/0775 do not change the hash); a symlink is
 *     120000 with the sha256 of its target text;
 *   - a file's contents, by sha256.
 * Directories are not listed (git cannot hold an empty one); owners and times are ignored. The
 * hash is the sha256 of the manifest: one line `MODE SHA256 PATH\n` per entry.
 * Anything else in the tree (a device, a socket, a name with a newline) is refused.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { hashFile } from './hash.js';

export interface TreeEntry {
  readonly path: string;
  readonly mode: '100644' | '100755' | '120000';
  readonly sha256: string;
}

/** The tree's entries, sorted as the manifest lists them. */
export async function treeEntries(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  await walk(root, '', out);
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

async function walk(root: string, rel: string, out: TreeEntry[]): Promise<void> {
  for (const name of await readdir(join(root, rel))) {
    const path = rel ? `${rel}/${name}` : name;
    if (path.includes('\n')) throw new Error(`${join(root, path)}: a name with a newline cannot be hashed`);
    const full = join(root, path);
    const st = await lstat(full);
    if (st.isDirectory()) await walk(root, path, out);
    else if (st.isSymbolicLink()) out.push({ path, mode: '120000', sha256: sha256Of(await readlink(full)) });
    else if (st.isFile()) out.push({ path, mode: st.mode & 0o100 ? '100755' : '100644', sha256: (await hashFile(full)).sha256 });
    else throw new Error(`${full} is neither a file, a directory nor a symlink`);
  }
}

export function treeManifest(entries: readonly TreeEntry[]): string {
  return entries.map((e) => `${e.mode} ${e.sha256} ${e.path}\n`).join('');
}

/** The tree hash of the directory at `root`. */
export async function treeSha256(root: string): Promise<string> {
  return sha256Of(treeManifest(await treeEntries(root)));
}

function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
