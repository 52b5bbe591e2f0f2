/**
 * One publisher per output directory: a lock file beside out/ holding the owner's pid. A lock
 * whose process is gone (killed build) is taken over; a live one makes the second build
 * refuse clearly instead of mixing two mirrors. The private files a build writes while taking
 * the lock (`out.lock.PID-hex`, `out.lock.takeover.PID-hex`) are swept once their pid is dead,
 * by whichever build next holds the lock.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fail } from '../diagnostics/errors.js';
import { isProcessAlive } from '../util/process.js';

export interface OutLock {
  release(): Promise<void>;
}

export async function lockOut(outDir: string): Promise<OutLock> {
  const path = `${outDir.replace(/\/+$/, '')}.lock`;
  // The lock appears with its pid already inside: written to a private file, then hard-linked
  // into place (which fails if a lock exists). A lock created empty and filled afterwards
  // would let a second build read it in between, take it for stale and publish alongside.
  const mine = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(mine, `${process.pid}\n`).catch(async (error: NodeJS.ErrnoException) => {
    // a full disk can create the file and then refuse its bytes: leave nothing behind
    await rm(mine, { force: true }).catch(() => undefined);
    cannotCreate(error, path, outDir);
  });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(mine, path);
        // Best effort, and outside what the catch below reports: a sweep that fails must
        // neither leave the lock we just took behind nor read as "cannot create the lock".
        await sweepDeadLockFiles(path).catch(() => undefined);
        return { release: () => releaseIfMine(path) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') cannotCreate(error as NodeJS.ErrnoException, path, outDir);
      }
      const owner = await ownerOf(path);
      if (owner === 'gone') continue; // released between our link and our read: try again
      if (owner !== undefined && isProcessAlive(owner)) {
        fail('out-locked', { file: outDir }, `${outDir} is being published by tczbuild process ${owner}`, `wait for it to finish; if no such build runs, remove ${path}`);
      }
      await removeStale(path, owner);
    }
  } finally {
    await rm(mine, { force: true });
  }
  fail('out-locked', { file: outDir }, `could not take the lock ${path}`, 'another build keeps taking it; try again');
}

function cannotCreate(error: NodeJS.ErrnoException, path: string, outDir: string): never {
  if (error.code === 'ENOENT') fail('out-unwritable', { file: outDir }, `cannot create ${path}: its directory does not exist`, 'create the parent directory of --out');
  if (error.code === 'ENOSPC' || error.code === 'EDQUOT') fail('out-unwritable', { file: outDir }, `cannot create ${path}: no space left on the device (${error.code})`, 'free space on the filesystem holding --out, or pass --out DIR elsewhere');
  fail('out-unwritable', { file: outDir }, `cannot create ${path}: ${error.message}`, "check the permissions of the output directory's parent");
}

/** The pid in a lock file; undefined when it names none (stale by construction), 'gone' when there is no file. */
async function ownerOf(path: string): Promise<number | undefined | 'gone'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'gone';
  }
  const owner = Number.parseInt(text, 10);
  return Number.isInteger(owner) && owner > 0 ? owner : undefined;
}

/**
 * Remove a lock whose owner died. Only one build at a time may do this (it holds the
 * `.takeover` guard, taken the same way as the lock), and it removes the lock only if it still
 * names the dead owner: otherwise two builds clearing the same stale lock could delete the
 * fresh lock one of them had just taken.
 */
async function removeStale(path: string, staleOwner: number | undefined): Promise<void> {
  const guard = `${path}.takeover`;
  const mine = `${guard}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    try {
      await link(mine, guard);
    } catch {
      // Another build is clearing it; if that build died doing so, clear its guard for the next try.
      const other = await ownerOf(guard);
      if (other !== 'gone' && (other === undefined || !isProcessAlive(other))) await rm(guard, { force: true });
      return;
    }
    try {
      if ((await ownerOf(path)) === staleOwner) await rm(path, { force: true });
    } finally {
      await rm(guard, { force: true });
    }
  } finally {
    await rm(mine, { force: true });
  }
}

/** Only the owner removes the lock: a build that lost it must not delete its successor's. */
async function releaseIfMine(path: string): Promise<void> {
  if ((await ownerOf(path)) === process.pid) await rm(path, { force: true });
}

/** Remove `LOCK.PID-hex` and `LOCK.takeover.PID-hex` files of builds killed while taking the lock. */
async function sweepDeadLockFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(?:takeover\.)?(\d+)-[0-9a-f]{8}$/.exec(name.slice(prefix.length));
    if (m && Number(m[1]) !== process.pid && !isProcessAlive(Number(m[1]))) await rm(join(dirname(path), name), { force: true });
  }
}
