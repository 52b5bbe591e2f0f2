/**
 * A lock between test files running side by side (and other checkouts on this machine) around
 * work they share through a cache directory, so it is done once rather than by each at once.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * An exclusive flock(1) on `path`, held by a child process until release() (or until this
 * process dies: the child reads stdin and exits when the pipe closes, and the kernel drops the
 * lock with it). Resolves once the lock is held: the child says so only after flock got it.
 */
export async function holdFileLock(path: string): Promise<{ release(): Promise<void> }> {
  const holder = spawn('flock', ['-x', path, 'sh', '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`flock ${path} exited ${code} before it held the lock`)));
    holder.stdout.once('data', () => resolve());
  });
  return {
    release: async () => {
      holder.stdin.end();
      await exited;
    },
  };
}

/**
 * The booted-box lane: test files that boot the stand-in box (QEMU under TCG, one CPU-bound
 * thread each, with step timeouts meant for a box of its own) take turns in it, so that with
 * box-containerd's long boot beside them no more than two guests share the machine's cores.
 * One lane per checkout: another checkout's suite on this machine has its own.
 */
export async function inBootLane<T>(what: () => Promise<T>): Promise<T> {
  const key = createHash('sha256').update(repoRoot).digest('hex').slice(0, 12);
  const lock = await holdFileLock(join(tmpdir(), `tczbuild-boot-lane-${key}.lock`));
  try {
    return await what();
  } finally {
    await lock.release();
  }
}
