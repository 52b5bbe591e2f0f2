/** A byte-level picture of a directory tree (type, mode, size, sha256, link target) to prove "unchanged". */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export type TreeSnapshot = Record<string, string>;

export async function snapshotTree(root: string): Promise<TreeSnapshot> {
  const out: TreeSnapshot = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        await walk(abs, r);
      } else if (st.isSymbolicLink()) out[r] = `link -> ${await readlink(abs)}`;
      else out[r] = `file ${mode} ${st.size} ${createHash('sha256').update(await readFile(abs)).digest('hex')}`;
    }
  };
  await walk(root, '');
  return out;
}
