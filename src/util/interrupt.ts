/**
 * What Ctrl-C, SIGTERM and SIGHUP (a closed terminal or ssh session) do while tczbuild has
 * something to undo, and what a reader leaving stdout does (`tczbuild all --json | head -1`):
 * stop every program it started (each runs in its own process group, so the whole group is
 * signalled), wait for a step that must not be cut in half (the publish swap), run the
 * registered cleanups (work directories, the out/ lock) and exit 128 + the signal's number
 * (130, 143, 129; 141 for the broken pipe, as SIGPIPE would). The handlers are installed only
 * while a child or a cleanup is registered; otherwise a signal keeps Node's default.
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

/** The exit code tczbuild ends with for a signal: 128 + its number (130 SIGINT, 143 SIGTERM, 129 SIGHUP, 141 SIGPIPE). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return ({ SIGINT: 130, SIGTERM: 143, SIGHUP: 129, SIGPIPE: 141 } as Record<string, number>)[signal] ?? 143;
}
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

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

/** Work in flight that a signal's cleanup waits for (settledBeforeCleanup), each for at most its grace. */
const settling = new Set<{ readonly graceMs: number }>();

/**
 * Run fn, work that writes beside out/ and must not outlive the cleanups, as in flight: a signal
 * waits for it to settle before the registered cleanups run (for graceMs at most), and fn gives
 * up at its next stopPoint(). Without this, a build whose signal (or broken pipe) lands
 * mid-publish keeps writing its next tree after the cleanup removed it. Past the grace, the
 * cleanup runs anyway: Ctrl-C is not held up by work with no stopPoint() for long (a download),
 * and what that work leaves is a dead build's leftover that the next run removes.
 */
export async function settledBeforeCleanup<T>(fn: () => Promise<T>, graceMs = 60_000): Promise<T> {
  stopPoint();
  const entry = { graceMs };
  settling.add(entry);
  try {
    return await fn();
  } finally {
    settling.delete(entry);
  }
}

/** What stopPoint() throws: not a failure of the work, the process is stopping for a signal. */
export class Interrupted extends Error {
  constructor(signal: NodeJS.Signals | undefined) {
    super(`interrupted by ${signal ?? 'a signal'}`);
    this.name = 'Interrupted';
  }
}

/** Throws once tczbuild is stopping for a signal, so work in settledBeforeCleanup() ends early. */
export function stopPoint(): void {
  if (stopping) throw new Interrupted(caught);
}

/**
 * Once a signal is being handled, the signal handler owns the exit (cleanups, then 128 + n):
 * whatever the interrupted work threw on its way out is a consequence of the stop, not a bug to
 * report. Returns a promise that never settles in that case, and undefined otherwise.
 */
export function exitOwnedBySignal(): Promise<never> | undefined {
  return stopping ? new Promise<never>(() => undefined) : undefined;
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
  // stderr may be the closed terminal or pipe itself; nothing to do about that
  try {
    process.stderr.write(`tczbuild: ${signal}: stopping, cleaning up\n`);
  } catch {
    // ignored on purpose
  }
  void stopAll().finally(() => process.exit(signalExitCode(signal)));
}

/**
 * Watch a stream tczbuild writes its output to: when its reader goes away (EPIPE), stop as
 * SIGPIPE would end it, but cleaned up like Ctrl-C, instead of dying of the unhandled error with
 * out.lock and the work directory left behind.
 */
export function stopOnBrokenPipe(stream: NodeJS.EventEmitter): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    onSignal('SIGPIPE');
  });
}

async function stopAll(): Promise<void> {
  for (const pid of children) killGroup(pid, 'SIGTERM');
  await until(() => children.size === 0, childGraceMs);
  for (const pid of children) killGroup(pid, 'SIGKILL');
  const since = Date.now();
  await until(() => critical === 0 && [...settling].every((w) => Date.now() - since >= w.graceMs), 60_000);
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
