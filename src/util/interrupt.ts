/**
 * What Ctrl-C and SIGTERM do while tczbuild has something to undo: stop every program it
 * started (each runs in its own process group, so the whole group is signalled), wait for a
 * step that must not be cut in half (the publish swap), run the registered cleanups (work
 * directories, the out/ lock) and exit 130 (SIGINT) or 143 (SIGTERM). The handlers are installed
 * only while a child or a cleanup is registered; otherwise a signal keeps Node's default.
 */

type Cleanup = () => Promise<void> | void;

const children = new Set<number>();
const cleanups = new Set<Cleanup>();
let critical = 0;
let stopping = false;
let caught: NodeJS.Signals | undefined;

/** The signal tczbuild is stopping for, once one arrived (so a result can say "interrupted by SIGTERM"). */
export function interruptedBy(): NodeJS.Signals | undefined {
  return caught;
}

/** The exit code tczbuild ends with for a signal: 130 for SIGINT, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}
const signals = ['SIGINT', 'SIGTERM'] as const;

/** Time a program gets to exit after SIGTERM before its group gets SIGKILL. */
const childGraceMs = 2000;

/** Register a child started in its own process group (pid = pgid); call the result when it exits. */
export function trackChild(pid: number): () => void {
  children.add(pid);
  if (stopping) killGroup(pid, 'SIGKILL'); // started while we are already stopping
  syncHandlers();
  return () => {
    children.delete(pid);
    syncHandlers();
  };
}

/** Run fn on SIGINT/SIGTERM (latest registered first); call the result to unregister. */
export function onInterrupt(fn: Cleanup): () => void {
  cleanups.add(fn);
  syncHandlers();
  return () => {
    cleanups.delete(fn);
    syncHandlers();
  };
}

/** Run fn to completion even if a signal arrives meanwhile; the signal is acted on afterwards. */
export async function uninterruptible<T>(fn: () => Promise<T>): Promise<T> {
  // Once stopping, the cleanups may already be running: a swap started now could be cut in
  // half by the exit. Never start it; the process is about to exit anyway.
  if (stopping) return new Promise<T>(() => undefined);
  critical++;
  try {
    return await fn();
  } finally {
    critical--;
  }
}

function syncHandlers(): void {
  const wanted = children.size + cleanups.size > 0;
  const installed = process.listeners('SIGINT').includes(onSignal);
  if (wanted && !installed) for (const s of signals) process.on(s, onSignal);
  if (!wanted && installed && !stopping) for (const s of signals) process.off(s, onSignal);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) return; // a second Ctrl-C while cleaning up: the cleanup is short, let it finish
  stopping = true;
  caught = signal;
  process.stderr.write(`tczbuild: ${signal}: stopping, cleaning up\n`);
  void stopAll().finally(() => process.exit(signalExitCode(signal)));
}

async function stopAll(): Promise<void> {
  for (const pid of children) killGroup(pid, 'SIGTERM');
  await until(() => children.size === 0, childGraceMs);
  for (const pid of children) killGroup(pid, 'SIGKILL');
  await until(() => critical === 0, 60_000);
  for (const fn of [...cleanups].reverse()) {
    try {
      await fn();
    } catch (error) {
      process.stderr.write(`tczbuild: cleanup failed: ${(error as Error).message}\n`);
    }
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

async function until(done: () => boolean, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
