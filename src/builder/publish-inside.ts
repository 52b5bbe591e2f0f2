/**
 * Publishing when out/ is a mount point (a bind mount, a container volume), which cannot be
 * renamed: the next tree is assembled inside it, in `out/.tczbuild-publish-PID/new` (hidden, so
 * never served), and swapped in entry by entry: every top-level entry of out/ moves to `old/`,
 * a marker records that, every entry of `new/` moves up, and `new/` is removed. A kill at any
 * point is undone by recoverInside(): before the marker, old entries go back; after it, until
 * `new/` is gone, the partial new entries are dropped and old entries go back; after that, the
 * new tree is complete and only the scaffolding is removed. So out/ is the old tree or the new
 * one, as with the rename beside it.
 */
import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const scaffold = /^\.tczbuild-publish-(\d+)$/;

export function insideDir(outDir: string, pid = process.pid): string {
  return join(outDir, `.tczbuild-publish-${pid}`);
}

/** Where the next tree is assembled when out/ is a mount point. */
export function insideNext(outDir: string): string {
  return join(insideDir(outDir), 'new');
}

/** Whether a top-level name of out/ is publish scaffolding rather than mirror content. */
export function isScaffold(name: string): boolean {
  return scaffold.test(name);
}

export async function swapInside(outDir: string): Promise<void> {
  const dir = insideDir(outDir);
  const next = join(dir, 'new');
  const old = join(dir, 'old');
  await mkdir(old);
  for (const e of await mirrorEntries(outDir)) await rename(join(outDir, e), join(old, e));
  await writeFile(join(dir, 'moved-out'), '');
  for (const e of await readdir(next)) await rename(join(next, e), join(outDir, e));
  await rmdir(next);
  await rm(dir, { recursive: true, force: true });
}

/** Undo or finish what a killed publish left inside out/ (see the module header). */
export async function recoverInside(outDir: string, isAlive: (pid: number) => boolean): Promise<void> {
  for (const name of await readdir(outDir).catch(() => [] as string[])) {
    const m = scaffold.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    const dir = join(outDir, name);
    const old = join(dir, 'old');
    const oldEntries = await readdir(old).catch(() => undefined);
    const moved = await present(join(dir, 'moved-out'));
    const newLeft = await present(join(dir, 'new'));
    if (oldEntries && !(moved && !newLeft)) {
      if (moved) for (const e of await mirrorEntries(outDir)) await rm(join(outDir, e), { recursive: true, force: true });
      const here = new Set(await mirrorEntries(outDir));
      for (const e of oldEntries) if (!here.has(e)) await rename(join(old, e), join(outDir, e));
    }
    await rm(dir, { recursive: true, force: true });
  }
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
