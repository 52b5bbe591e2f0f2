/**
 * Atomic publishing: assemble the next out/ in a sibling directory (unchanged files hard-linked
 * from the current one, rebuilt files moved in, indexes and state written), then swap it into
 * place with renames. A build that fails or is killed before the swap leaves out/ exactly as it
 * was; a kill between the two renames is repaired by recoverOut() on the next run. An out/ that
 * is a mount point is swapped from inside instead (publish-inside.ts).
 */
import { link, lstat, mkdir, readdir, readlink, rename, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fail, isTczError } from '../diagnostics/errors.js';
import { uninterruptible } from '../util/interrupt.js';
import { failMountedOut, isMountPoint } from './mount-point.js';
import { insideDir, insideNext, isScaffold, recoverInside, swapInside } from './publish-inside.js';

export interface PublishFile {
  /** Path relative to out/. */
  readonly rel: string;
  /** Move this file in (same filesystem), or write this content. */
  readonly from?: string;
  readonly content?: string | Buffer;
}

export interface PublishInput {
  readonly outDir: string;
  /** Files to remove from the previous out/ (relative), e.g. a rebuilt extension's old companions. */
  readonly remove: readonly string[];
  readonly files: readonly PublishFile[];
  /** Runs over the assembled tree before the swap (mirror indexes). */
  readonly finalize?: (nextDir: string) => Promise<void>;
}

export function siblingPath(outDir: string, kind: 'new' | 'old' | 'work', pid = process.pid): string {
  const clean = outDir.replace(/\/+$/, '');
  return join(dirname(clean), `.${basename(clean)}.${kind}-${pid}`);
}

export async function publishAtomically(p: PublishInput): Promise<void> {
  // a mount point cannot be renamed: swap its entries instead (publish-inside.ts)
  const inside = await isMountPoint(p.outDir);
  const next = inside ? insideNext(p.outDir) : siblingPath(p.outDir, 'new');
  await rm(next, { recursive: true, force: true });
  try {
    if (await exists(p.outDir)) await cloneTree(p.outDir, next, isScaffold);
    else await mkdir(next, { recursive: true });
    for (const rel of p.remove) await rm(join(next, rel), { force: true });
    for (const f of p.files) {
      const dest = join(next, f.rel);
      await mkdir(dirname(dest), { recursive: true });
      await rm(dest, { force: true });
      if (f.from !== undefined) await moveFile(f.from, dest);
      else await writeFile(dest, f.content ?? '');
    }
    if (p.finalize) await p.finalize(next);
  } catch (error) {
    await rm(inside ? insideDir(p.outDir) : next, { recursive: true, force: true }).catch(() => undefined);
    throw asOutError(error, p.outDir);
  }
  // a Ctrl-C between the two renames would leave no out/: the swap finishes first
  await uninterruptible(() => (inside ? swapFromInside(p.outDir) : swapInto(p.outDir, next)));
}

const fsRefusals = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EEXIST']);

/** A filesystem refusal while writing beside out/ is the user's to fix, not a tczbuild bug. */
export function asOutError(error: unknown, outDir: string): unknown {
  if (isTczError(error)) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !fsRefusals.has(code)) return error;
  try {
    fail('out-unwritable', { file: outDir }, `cannot write the output beside ${outDir}: ${(error as Error).message}`, 'make the output directory and its parent writable (and not full), or pass --out DIR', error);
  } catch (wrapped) {
    return wrapped;
  }
}

/** swapInside(), rolled back to the old tree if it fails half-way. */
async function swapFromInside(outDir: string): Promise<void> {
  try {
    await swapInside(outDir);
  } catch (error) {
    await recoverInside(outDir, (pid) => pid !== process.pid).catch(() => undefined);
    throw asOutError(error, outDir);
  }
}

async function swapInto(outDir: string, next: string): Promise<void> {
  const old = siblingPath(outDir, 'old');
  const hadOut = await exists(outDir);
  try {
    if (hadOut) await rename(outDir, old);
    await rename(next, outDir);
  } catch (error) {
    if (hadOut && !(await exists(outDir)) && (await exists(old))) await rename(old, outDir);
    await rm(next, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code === 'EBUSY') failMountedOut(outDir, error);
    fail('out-unwritable', { file: outDir }, `could not replace ${outDir}: ${(error as Error).message}`, 'check that the output directory and its parent are writable', error);
  }
  if (hadOut) await rm(old, { recursive: true, force: true });
}

/** Undo a swap that was cut between its two renames, and drop leftovers of killed builds. */
export async function recoverOut(outDir: string, isAlive: (pid: number) => boolean): Promise<void> {
  const clean = outDir.replace(/\/+$/, '');
  const parent = dirname(clean);
  const prefix = `.${basename(clean)}.`;
  const leftovers = (await readdir(parent).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  for (const name of leftovers) {
    const m = /\.(new|old|work)-(\d+)$/.exec(name);
    if (!m || isAlive(Number(m[2]))) continue;
    const path = join(parent, name);
    if (m[1] === 'old' && !(await exists(clean))) await rename(path, clean);
    else await rm(path, { recursive: true, force: true });
  }
  await recoverInside(clean, isAlive);
}

/** Copy a tree with hard links for files: published files are never changed in place. */
async function cloneTree(from: string, to: string, skipTop: (name: string) => boolean = () => false): Promise<void> {
  await mkdir(to, { recursive: true });
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

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
  }
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
