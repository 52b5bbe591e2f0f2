/**
 * Machine states a build must survive with a clear error: mksquashfs missing from PATH or
 * failing, out/'s image directory (or out/'s parent) made immutable with chattr +i, out/ locked by a live process.
 * Each setup returns the environment the build runs in (a changed PATH is handed to the run,
 * never written into process.env, so cases can run side by side in one process) and its own
 * undo, which the test runs before asserting so temp dirs can be removed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../bad-input-cases.js';

export type Undo = () => Promise<void>;

/** The run's environment in that machine state, and how to leave the state. */
export interface Entered {
  readonly env: NodeJS.ProcessEnv;
  readonly undo: Undo;
}

export async function enterEnvironment(state: Environment, outDir: string, projectDir: string, env: NodeJS.ProcessEnv): Promise<Entered> {
  switch (state) {
    case 'no-mksquashfs':
      return withPath(env, await mkdtemp(join(tmpdir(), 'tczbuild-emptypath-')), false);
    case 'failing-mksquashfs':
      return withPath(env, await fakeMksquashfs(), true);
    case 'immutable-parent':
      return { env, undo: immutable(projectDir) };
    case 'immutable-out':
      // publish moves files into the live out/ (never replacing out/ itself): the directory
      // the images go into is what must refuse them
      return { env, undo: immutable(join(outDir, '11.x/x86_64/tcz')) };
    case 'locked':
      return { env, undo: await lockedByLiveProcess(outDir) };
  }
}

function withPath(env: NodeJS.ProcessEnv, dir: string, keepRest: boolean): Entered {
  return { env: { ...env, PATH: keepRest ? `${dir}:${env.PATH ?? ''}` : dir }, undo: () => rm(dir, { recursive: true, force: true }) };
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
