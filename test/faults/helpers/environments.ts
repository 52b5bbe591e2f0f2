/**
 * Machine states a build must survive with a clear error: mksquashfs missing from PATH or
 * failing, out/'s image directory (or out/'s parent) made immutable with chattr +i, out/ locked by a live process.
 * Each setup returns its own undo, which the test runs before asserting so temp dirs can be
 * removed. Changes process.env.PATH for the duration (runTool spawns with the process env), so
 * callers must not run cases concurrently in one process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../bad-input-cases.js';

export type Undo = () => Promise<void>;

export async function enterEnvironment(env: Environment, outDir: string, projectDir: string): Promise<Undo> {
  switch (env) {
    case 'no-mksquashfs':
      return withPath(await mkdtemp(join(tmpdir(), 'tczbuild-emptypath-')), false);
    case 'failing-mksquashfs':
      return withPath(await fakeMksquashfs(), true);
    case 'immutable-parent':
      return immutable(projectDir);
    case 'immutable-out':
      // publish moves files into the live out/ (never replacing out/ itself): the directory
      // the images go into is what must refuse them
      return immutable(join(outDir, '11.x/x86_64/tcz'));
    case 'locked':
      return lockedByLiveProcess(outDir);
  }
}

async function withPath(dir: string, keepRest: boolean): Promise<Undo> {
  const saved = process.env.PATH;
  process.env.PATH = keepRest ? `${dir}:${saved ?? ''}` : dir;
  return async () => {
    process.env.PATH = saved;
    await rm(dir, { recursive: true, force: true });
  };
}

/** A mksquashfs that reports a version (so the build key works) and fails to pack. */
async function fakeMksquashfs(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-fakepath-'));
  const script = '#!/bin/sh\nif [ "$1" = "-version" ]; then echo "mksquashfs version 4.5.1 (fake)"; exit 0; fi\necho "FATAL ERROR: simulated failure" >&2\nexit 1\n';
  await writeFile(join(dir, 'mksquashfs'), script);
  await chmod(join(dir, 'mksquashfs'), 0o755);
  return dir;
}

function immutable(dir: string): Undo {
  execFileSync('chattr', ['+i', dir]);
  return async () => void execFileSync('chattr', ['-i', dir]);
}

/** out.lock naming a process that is alive (a sleep we own), as a concurrent build would leave it. */
async function lockedByLiveProcess(outDir: string): Promise<Undo> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const lock = `${outDir}.lock`;
  await writeFile(lock, `${child.pid}\n`);
  return async () => {
    child.kill('SIGKILL');
    await rm(lock, { force: true });
  };
}
