/**
 * Start the real `tczbuild` as its own process (node on dist/cli/main.js, which the suite's
 * global setup rebuilds whenever it is older than src/, so it is always the current source, without
 * compiling src/ again in every process as tsx would: a second of CPU per start) in its own
 * process group, so a test can kill -9 exactly that process and then reap anything it left
 * running (mksquashfs) by group. Also: a seeded PRNG for reproducible "random" kill points.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { testEnv } from './run.js';

const repo = join(import.meta.dirname, '..', '..', '..');

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Milliseconds since start at which stdout printed its first line (undefined until then). */
  firstOutputMs(): number | undefined;
}

export function startCli(args: readonly string[], cwd: string): CliProcess {
  const started = performance.now();
  let firstOutput: number | undefined;
  const child = spawn(process.execPath, [join(repo, 'dist/cli/main.js'), ...args], {
    cwd,
    env: testEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    firstOutput ??= performance.now() - started;
    stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => void (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, pid: child.pid!, done, firstOutputMs: () => firstOutput };
}

/** kill -9 the tczbuild process itself, then whatever it started (its process group). */
export function killHard(p: CliProcess): void {
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  killGroup(p);
}

export function killGroup(p: CliProcess): void {
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // no process left in the group
  }
}

/** mulberry32: small, seedable, good enough to spread kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
