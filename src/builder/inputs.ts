/**
 * Gather the inputs of a build key that live outside the recipe text: overlay file contents,
 * the source epoch, and tool versions. Cheap enough for a no-op build (no network, no source
 * bytes read).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
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
  return (await sourceEpochs([recipeFile], env)).get(recipeFile) ?? FALLBACK_EPOCH;
}

/**
 * sourceEpoch() for many recipe files with one `git log` per recipes directory instead of one
 * per file (a repository of thousands of recipes paid two process starts per recipe for this).
 * A file's epoch is the commit time of the first commit in `git log -- DIR` (DIR: the file's
 * own directory, whatever the selection, so `build X` and `all` agree) whose change list names
 * it; merges count where they differ from every parent. With merges in the history this can
 * differ from `git log -1 -- FILE`, whose simplification follows one file instead of the
 * directory; either is a commit that changed the recipe.
 */
export async function sourceEpochs(recipeFiles: readonly string[], env: NodeJS.ProcessEnv): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const fromEnv = sourceDateEpochFrom(env);
  if (fromEnv !== undefined) {
    for (const f of recipeFiles) out.set(f, fromEnv);
    return out;
  }
  const byDir = new Map<string, Array<{ file: string; real: string }>>();
  for (const file of recipeFiles) {
    const real = await realpath(file).catch(() => undefined);
    if (real) byDir.set(dirname(real), [...(byDir.get(dirname(real)) ?? []), { file, real }]);
  }
  for (const [dir, files] of byDir) {
    const top = await gitTopLevel(dir);
    if (!top) continue;
    const rel = (p: string): string => relative(top, p).split(sep).join('/');
    const times = await lastCommitTimes(top, rel(dir), env);
    for (const f of files) {
      const t = times.get(rel(f.real));
      if (t !== undefined) out.set(f.file, t);
    }
  }
  for (const f of recipeFiles) if (!out.has(f)) out.set(f, FALLBACK_EPOCH);
  return out;
}

/** The directory holding `.git` (a directory, or a worktree's file) above dir; undefined outside git. */
async function gitTopLevel(dir: string): Promise<string | undefined> {
  for (let d = dir; ; d = dirname(d)) {
    if (await lstat(join(d, '.git')).then(() => true, () => false)) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** Repository-relative path of each file under dir → commit time of the newest commit that changed it. */
async function lastCommitTimes(top: string, dir: string, env: NodeJS.ProcessEnv): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  let stdout: string;
  try {
    // -z keeps unusual names unquoted; combined diffs list what a merge changed against every parent
    ({ stdout } = await runTool('git', ['log', '--format=%x01%ct', '--name-only', '--diff-merges=combined', '-z', '--', `:(literal)${dir || '.'}`], { cwd: top, env }));
  } catch {
    return times; // not a git checkout after all, or git is not installed: the fixed date
  }
  let current: number | undefined;
  for (const field of stdout.split('\0')) {
    const name = field.replace(/^\n/, '');
    if (name.startsWith('\x01')) {
      current = Number.parseInt(name.slice(1), 10);
      continue;
    }
    if (name && current && current > 0 && !times.has(name)) times.set(name, current);
  }
  return times;
}
