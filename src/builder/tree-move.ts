/**
 * Moving one directory tree onto another without a reader ever missing a name: cloneTree()
 * makes a hard-link copy (a rollback snapshot, or the start of the next tree), and
 * moveTreeInto() renames a tree's files over their counterparts in an order readers can rely
 * on. Shared by publishing beside out/ (publish.ts) and inside a mounted out/ (publish-inside.ts).
 */
import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimit } from '../util/map-limit.js';

/** The pid of the publish that owns a top-level name of out/, when the name is its scaffolding. */
export function scaffoldPid(name: string): number | undefined {
  const m = /^\.tczbuild-publish-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Whether a top-level name of out/ is publish scaffolding rather than mirror content. */
export function isScaffold(name: string): boolean {
  return scaffoldPid(name) !== undefined;
}

/**
 * Make `to` hold exactly what `from` holds, consuming `from`: every file is renamed over its
 * counterpart (skipped when both are already the same inode), new directories are renamed in
 * whole, names `from` lacks are removed last, and directory modes follow `from`. In each
 * directory an image's `.md5.txt` goes first, then the image, then its other companions, then
 * indexes: an index never names an image that is not there yet, and the gap between an image
 * and its sum is one rename. A reader inside that gap can still pair one publish's sum with the
 * other's image (whichever goes first); tce-load's md5 check catches it, and only swapping the
 * whole directory at once would close it.
 */
export async function moveTreeInto(from: string, to: string): Promise<void> {
  const want = await lstat(from);
  const names = (await readdir(from)).sort((a, b) => publishRank(a) - publishRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const src = join(from, name);
    const dest = join(to, name);
    const s = await lstat(src);
    const d = await lstat(dest).catch(() => undefined);
    if (s.isDirectory() && d?.isDirectory()) {
      await moveTreeInto(src, dest);
      continue;
    }
    if (d && !s.isDirectory() && !d.isDirectory() && d.ino === s.ino && d.dev === s.dev) continue;
    if (d && (d.isDirectory() || s.isDirectory())) await rm(dest, { recursive: true, force: true });
    await rename(src, dest);
  }
  const keep = new Set(names);
  for (const name of await readdir(to)) {
    if (!keep.has(name) && !isScaffold(name)) await rm(join(to, name), { recursive: true, force: true });
  }
  const have = await lstat(to);
  if ((have.mode & 0o7777) !== (want.mode & 0o7777)) await chmod(to, want.mode & 0o7777);
}

function publishRank(name: string): number {
  if (name.endsWith('.tcz.md5.txt')) return 0;
  if (name.endsWith('.tcz')) return 1;
  if (name.includes('.tcz.')) return 2;
  return 3;
}

/** Copy a tree with hard links for files: published files are never changed in place. */
export async function cloneTree(from: string, to: string, skipTop: (name: string) => boolean = () => false): Promise<void> {
  await mkdir(to, { recursive: true });
  await chmod(to, (await lstat(from)).mode & 0o7777);
  for (const name of await readdir(from)) {
    if (skipTop(name)) continue;
    const src = join(from, name);
    const dest = join(to, name);
    const st = await lstat(src);
    if (st.isDirectory()) await cloneTree(src, dest);
    else if (st.isSymbolicLink()) await symlink(await readlink(src), dest);
    else await link(src, dest).catch(() => copyFile(src, dest));
  }
}

/**
 * Remove a directory tree with a few removals in flight per directory. fs.rm's recursive
 * removal starts the removal of every entry of a directory at once: a work directory of
 * thousands of extensions became thousands of pending requests, tens of MB of memory at the end
 * of a build. A missing path is no error.
 */
export async function removeTree(path: string, limit = 4): Promise<void> {
  const entries = await readdir(path, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' || e.code === 'ENOTDIR' ? undefined : Promise.reject(e)));
  if (entries) await mapLimit(entries, limit, (e) => (e.isDirectory() ? removeTree(join(path, e.name), limit) : rm(join(path, e.name), { force: true })));
  await rm(path, { recursive: true, force: true });
}
