/**
 * One publisher per output directory: a lock file beside out/ holding the owner's pid. A lock
 * whose process is gone (killed build) is taken over; a live one makes the second build
 * refuse clearly instead of mixing two mirrors.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { fail } from '../diagnostics/errors.js';
import { isProcessAlive } from '../util/process.js';

export interface OutLock {
  release(): Promise<void>;
}

export async function lockOut(outDir: string): Promise<OutLock> {
  const path = `${outDir.replace(/\/+$/, '')}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        fail('out-unwritable', { file: outDir }, `cannot create ${path}: its directory does not exist`, 'create the parent directory of --out');
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        fail('out-unwritable', { file: outDir }, `cannot create ${path}: ${(error as Error).message}`, 'check the permissions of the output directory\'s parent');
      }
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) {
        fail('out-locked', { file: outDir }, `${outDir} is being published by tczbuild process ${owner}`, `wait for it to finish; if no such build runs, remove ${path}`);
      }
      await rm(path, { force: true }); // stale: its owner died without releasing it
    }
  }
  fail('out-locked', { file: outDir }, `could not take the lock ${path}`, 'another build keeps taking it; try again');
}
