/**
 * Atomic publishing: assemble the next out/ in a sibling directory (unchanged files hard-linked
 * from the current one, rebuilt files moved in, indexes and state written), then move it into
 * the live out/ file by file with rename(), which replaces a name atomically: a reader (serve,
 * nginx, rsync) sees each file's old bytes or its new ones, never a missing name. Before the
 * first rename, a hard-link snapshot of out/ is set aside as `.out.old-PID`; a build killed
 * while moving files in is rolled back from it by recoverOut() on the next run, so out/ is still
 * the previous tree or the next one, never a mix that stays. out/ itself is never replaced, so
 * its mode, its directories' modes and a symlinked out/ (published into its target) survive.
 * An out/ that is a mount point is assembled inside itself instead (publish-inside.ts), then
 * moved in the same way.
 */
import { renameSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fail, isTczError } from '../diagnostics/errors.js';
import { settledBeforeCleanup, stopPoint, uninterruptible } from '../util/interrupt.js';
import { isMountPoint } from './mount-point.js';
import { insideDir, insideNext, recoverInside, swapInside } from './publish-inside.js';
import { cloneTree, isScaffold, moveTreeInto } from './tree-move.js';

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

/** Sibling directories of out/: next tree, rollback snapshot (prev while written, old once complete), one to drop, build work. */
export type SiblingKind = 'new' | 'old' | 'prev' | 'drop' | 'work';

export function siblingPath(outDir: string, kind: SiblingKind, pid = process.pid): string {
  const clean = outDir.replace(/\/+$/, '');
  return join(dirname(clean), `.${basename(clean)}.${kind}-${pid}`);
}

export async function publishAtomically(p: PublishInput): Promise<void> {
  // a mount point cannot be renamed: swap its entries instead (publish-inside.ts)
  const inside = await isMountPoint(p.outDir);
  const next = inside ? insideNext(p.outDir) : siblingPath(p.outDir, 'new');
  // a signal waits for this to settle (it stops at the next stopPoint and removes next), so the
  // cleanup never races a tree still being written
  await settledBeforeCleanup(() => assembleNext(p, inside, next));
  // a Ctrl-C between the two renames would leave no out/: the swap finishes first
  await uninterruptible(() => (inside ? swapFromInside(p.outDir) : swapInto(p.outDir, next)));
}

async function assembleNext(p: PublishInput, inside: boolean, next: string): Promise<void> {
  await rm(next, { recursive: true, force: true });
  try {
    if (await exists(p.outDir)) await cloneTree(p.outDir, next, isScaffold);
    else await mkdir(next, { recursive: true });
    for (const rel of p.remove) await rm(join(next, rel), { force: true });
    const made = new Set<string>();
    for (const f of p.files) {
      stopPoint();
      const dest = join(next, f.rel);
      if (!made.has(dirname(dest))) {
        await mkdir(dirname(dest), { recursive: true });
        made.add(dirname(dest));
      }
      // rename() replaces a hard link cloned from the current out/ without touching it; a
      // write would go through the link into the published file, so those unlink first
      if (f.from !== undefined) await moveFile(f.from, dest);
      else {
        await rm(dest, { force: true });
        await writeFile(dest, f.content ?? '');
      }
    }
    stopPoint();
    if (p.finalize) await p.finalize(next);
    stopPoint();
  } catch (error) {
    await rm(inside ? insideDir(p.outDir) : next, { recursive: true, force: true }).catch(() => undefined);
    throw asOutError(error, p.outDir);
  }
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
  if (!(await exists(outDir))) {
    // nothing is served yet: one rename makes the whole tree appear at once
    await rename(next, outDir).catch((error: unknown) => refuseSwap(outDir, next, error));
    return;
  }
  const prev = siblingPath(outDir, 'prev');
  const old = siblingPath(outDir, 'old');
  try {
    await rm(prev, { recursive: true, force: true });
    await cloneTree(outDir, prev, isScaffold);
    await rename(prev, old); // complete: from here on a kill is rolled back from it
  } catch (error) {
    await rm(prev, { recursive: true, force: true }).catch(() => undefined);
    return refuseSwap(outDir, next, error);
  }
  try {
    await moveTreeInto(next, outDir);
  } catch (error) {
    await moveTreeInto(old, outDir).catch(() => undefined);
    await rm(old, { recursive: true, force: true }).catch(() => undefined);
    return refuseSwap(outDir, next, error);
  }
  await dropSibling(outDir, old);
  await rm(next, { recursive: true, force: true });
}

async function refuseSwap(outDir: string, next: string, error: unknown): Promise<never> {
  await rm(next, { recursive: true, force: true }).catch(() => undefined);
  fail('out-unwritable', { file: outDir }, `could not publish into ${outDir}: ${(error as Error).message}`, 'check that the output directory and its parent are writable (and not full)', error);
}

/** Remove a sibling in two steps, so that a kill half-way through is never read as a rollback snapshot. */
async function dropSibling(outDir: string, path: string): Promise<void> {
  const drop = siblingPath(outDir, 'drop');
  await rename(path, drop);
  await rm(drop, { recursive: true, force: true });
}

/** Roll back a publish cut while moving files in, and drop leftovers of killed builds. */
export async function recoverOut(outDir: string, isAlive: (pid: number) => boolean): Promise<void> {
  const clean = await realOutDir(outDir);
  const parent = dirname(clean);
  const prefix = `.${basename(clean)}.`;
  const leftovers = (await readdir(parent).catch(() => [] as string[])).filter((n) => n.startsWith(prefix));
  for (const name of leftovers) {
    const m = /\.(new|old|prev|drop|work)-(\d+)$/.exec(name);
    if (!m || isAlive(Number(m[2]))) continue;
    const path = join(parent, name);
    // an old tree is a complete snapshot of out/ as it was before the cut publish
    if (m[1] === 'old' && !(await exists(clean))) await rename(path, clean);
    else if (m[1] === 'old') await moveTreeInto(path, clean);
    await rm(path, { recursive: true, force: true });
  }
  await recoverInside(clean, isAlive);
}

/** The directory a publish writes: out/ itself, or the target of a symlinked out/ (e.g. a web server's root). */
export async function realOutDir(outDir: string): Promise<string> {
  const clean = outDir.replace(/\/+$/, '') || '/';
  const st = await lstat(clean).catch(() => undefined);
  return st?.isSymbolicLink() ? realpath(clean) : clean;
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    // in place: a rename is one metadata call, and a publish of thousands of small extensions
    // moves six files each; awaited one by one, the thread-pool round trips were most of its time
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await rm(to, { force: true }); // never copy through a hard link into the published file
    await copyFile(from, to);
  }
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
