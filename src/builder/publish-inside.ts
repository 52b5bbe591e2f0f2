/**
 * Publishing when out/ is a mount point (a bind mount, a container volume), which cannot be
 * renamed and has no sibling on its filesystem: everything happens inside it, in
 * `out/.tczbuild-publish-PID/` (hidden, so never served). The next tree is assembled in `new/`;
 * a hard-link snapshot of out/ is taken in `prev/` and renamed to `snapshot/` once complete;
 * then `new/` is moved over out/ file by file (moveTreeInto: each name is replaced by rename,
 * never missing, an image's `.md5.txt` just before the image), `new/` is renamed to `drop/`
 * to mark the move finished, and the scaffolding goes. A kill is undone by recoverInside():
 * with a snapshot and `new/` still there, the snapshot is moved back over out/; otherwise out/
 * was never touched, or already holds the whole new tree. So out/ is the old tree or the new
 * one, as beside it, and readers never see a name that both trees have go missing.
 * Scaffolding left by the older whole-entry swap (`old/` and a `moved-out` marker) is still
 * recovered the way that swap defined.
 */
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cloneTree, isScaffold, moveTreeInto, scaffoldPid } from './tree-move.js';

export function insideDir(outDir: string, pid = process.pid): string {
  return join(outDir, `.tczbuild-publish-${pid}`);
}

/** Where the next tree is assembled when out/ is a mount point. */
export function insideNext(outDir: string): string {
  return join(insideDir(outDir), 'new');
}

export async function swapInside(outDir: string): Promise<void> {
  const dir = insideDir(outDir);
  const prev = join(dir, 'prev');
  await rm(prev, { recursive: true, force: true });
  await cloneTree(outDir, prev, isScaffold);
  await rename(prev, join(dir, 'snapshot')); // complete: from here on a kill is rolled back from it
  await moveTreeInto(join(dir, 'new'), outDir);
  await rename(join(dir, 'new'), join(dir, 'drop')); // the new tree is wholly in place
  await rm(dir, { recursive: true, force: true });
}

/** Undo or finish what a killed publish left inside out/ (see the module header). */
export async function recoverInside(outDir: string, isAlive: (pid: number) => boolean): Promise<void> {
  for (const name of await readdir(outDir).catch(() => [] as string[])) {
    const pid = scaffoldPid(name);
    if (pid === undefined || isAlive(pid)) continue;
    const dir = join(outDir, name);
    const newLeft = await present(join(dir, 'new'));
    if (await present(join(dir, 'snapshot'))) {
      if (newLeft) await moveTreeInto(join(dir, 'snapshot'), outDir);
    } else await recoverWholeEntrySwap(outDir, dir, newLeft);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The older swap moved every entry to `old/`, wrote `moved-out`, then moved `new/`'s entries up. */
async function recoverWholeEntrySwap(outDir: string, dir: string, newLeft: boolean): Promise<void> {
  const oldEntries = await readdir(join(dir, 'old')).catch(() => undefined);
  const moved = await present(join(dir, 'moved-out'));
  if (!oldEntries || (moved && !newLeft)) return;
  if (moved) for (const e of await mirrorEntries(outDir)) await rm(join(outDir, e), { recursive: true, force: true });
  const here = new Set(await mirrorEntries(outDir));
  for (const e of oldEntries) if (!here.has(e)) await rename(join(dir, 'old', e), join(outDir, e));
}

async function mirrorEntries(outDir: string): Promise<string[]> {
  return (await readdir(outDir)).filter((n) => !isScaffold(n));
}

async function present(path: string): Promise<boolean> {
  return readdir(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR',
  );
}
