/**
 * Snapshot a directory tree as plain data (each path's type, permission bits, size and sha256,
 * or a link's target) so a test can say "out/ is byte-for-byte what it was" with one toEqual.
 * Also lists the leftovers a build may leave beside out/ (lock, .out.new-*, .out.work-*).
 * Reads only; never changes the tree.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface SnapshotEntry {
  readonly type: 'dir' | 'file' | 'symlink' | 'other';
  readonly mode: string;
  readonly size?: number;
  readonly sha256?: string;
  readonly target?: string;
}

export type TreeSnapshot = Record<string, SnapshotEntry>;

export async function snapshotTree(root: string): Promise<TreeSnapshot> {
  const out: TreeSnapshot = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      out[r] = await entryOf(abs);
      if (out[r]!.type === 'dir') await walk(abs, r);
    }
  };
  out['.'] = await entryOf(root);
  await walk(root, '');
  return out;
}

async function entryOf(abs: string): Promise<SnapshotEntry> {
  const st = await lstat(abs);
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  if (st.isDirectory()) return { type: 'dir', mode };
  if (st.isSymbolicLink()) return { type: 'symlink', mode, target: await readlink(abs) };
  if (st.isFile()) return { type: 'file', mode, size: st.size, sha256: createHash('sha256').update(await readFile(abs)).digest('hex') };
  return { type: 'other', mode };
}

/** Names beside out/ that a build creates while it runs (the lock, its temp files, the sibling work dirs). */
export async function leftoversBeside(outDir: string): Promise<string[]> {
  const name = basename(outDir);
  const names = await readdir(dirname(outDir));
  return names.filter((n) => n.startsWith(`${name}.lock`) || n.startsWith(`.${name}.`)).sort();
}

/** Files (recursively) under a directory, relative; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}
