/**
 * A lock between test files running side by side (and other checkouts on this machine) around
 * work they share through a cache directory, so it is done once rather than by each at once.
 */
import { spawn } from 'node:child_process';

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

