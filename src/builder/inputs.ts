/**
 * Gather the inputs of a build key that live outside the recipe text: overlay file contents,
 * the source epoch, and tool versions. Cheap enough for a no-op build (no network, no source
 * bytes read).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../util/exec.js';
import { sourceDateEpochFrom } from '../util/source-date-epoch.js';

/** Hash an overlay tree: relative paths, the executable bit, link targets and contents. */
export async function hashTree(root: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(abs);
      if (st.isDirectory()) {
        h.update(`d ${r}\n`);
        await walk(abs, r);
      } else if (st.isSymbolicLink()) h.update(`l ${r} ${await readlink(abs)}\n`);
      else h.update(`f ${r} ${st.mode & 0o111 ? 'x' : '-'} ${st.size}\n`).update(await readFile(abs));
    }
  };
  await walk(root, '').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    h.update('missing');
  });
  return h.digest('hex');
}

/** The fixed date used when neither SOURCE_DATE_EPOCH nor git can tell: 2020-01-01T00:00:00Z. */
export const FALLBACK_EPOCH = 1_577_836_800;

/** SOURCE_DATE_EPOCH, else the recipe file's last git commit time, else a fixed date. */
export async function sourceEpoch(recipeFile: string, env: NodeJS.ProcessEnv): Promise<number> {
  const fromEnv = sourceDateEpochFrom(env);
  if (fromEnv !== undefined) return fromEnv;
  try {
    const { stdout } = await runTool('git', ['log', '-1', '--format=%ct', '--', recipeFile], { cwd: dirOf(recipeFile) });
    const t = Number.parseInt(stdout.trim(), 10);
    if (Number.isInteger(t) && t > 0) return t;
  } catch {
    // not a git checkout, or git is not installed: fall back to the fixed date
  }
  return FALLBACK_EPOCH;
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i <= 0 ? '.' : file.slice(0, i);
}
