/**
 * QEMU process effects: run a box until the guest reports `done`, the bound passes or QEMU
 * exits, appending every console byte to the log and handing each console line to a callback;
 * and the short KVM probe. QEMU is always killed before these return, so no VM outlives a run.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { fail } from '../diagnostics/errors.js';
import { findProgram, startProgram, type Env } from '../util/exec.js';
import { kernelBanner, kvmProbeArgs, qemuBinary } from './qemu-args.js';

export type BootEnd = { readonly kind: 'done' } | { readonly kind: 'bound' } | { readonly kind: 'exited'; readonly code: number | null; readonly signal: string | null };

export interface BootOptions {
  readonly args: readonly string[];
  readonly logPath: string;
  readonly boundMs: number;
  /** Each console line; return true when the run is complete (QEMU is then stopped). */
  readonly onLine: (line: string) => boolean;
  /** The run's environment: QEMU is found on its PATH and runs in it. */
  readonly env: Env;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** If tczbuild itself is interrupted, take the VMs down with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * QEMU started like every program (util/exec.ts: its own process group, stopped by Ctrl-C and
 * SIGTERM handling, killed by the kernel if tczbuild dies even by `kill -9`), and besides killed
 * when tczbuild exits normally while a VM still runs.
 */
function spawnQemu(args: readonly string[], env: Env): ChildProcess {
  installExitHook();
  const child = startProgram(findProgram(qemuBinary, env.PATH ?? '') ?? qemuBinary, args, { env });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** QEMU must be on the run's PATH. */
export function requireQemu(env: Env): void {
  if (findProgram(qemuBinary, env.PATH ?? '') === undefined) fail('box-no-qemu', undefined, `${qemuBinary} was not found on PATH`);
}

export function bootBox(opts: BootOptions): Promise<BootEnd> {
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(opts.logPath, { flags: 'a' });
    const child = spawnQemu(opts.args, opts.env);
    // A console log that cannot be written (disk full) fails the run, never the process.
    log.on('error', (error) => {
      child.kill('SIGKILL');
      reject(error);
    });
    let end: BootEnd | undefined;
    let pending = '';
    const stop = (why: BootEnd): void => {
      if (end) return;
      end = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop({ kind: 'bound' }), opts.boundMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!end && opts.onLine(line)) stop({ kind: 'done' });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      log.end();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (!end && pending && opts.onLine(pending)) end = { kind: 'done' };
      log.end(() => resolvePromise(end ?? { kind: 'exited', code, signal }));
    });
  });
}

/** Whether a KVM guest starts here: a kernel-only boot must print its banner within timeoutMs. */
export async function kvmWorks(kernel: string, env: Env, timeoutMs = 8000): Promise<boolean> {
  if (!(await access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false))) return false;
  return new Promise((resolvePromise) => {
    const child = spawnQemu(kvmProbeArgs(kernel), env);
    let seen = false;
    let text = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      text = (text + chunk.toString('utf8')).slice(-4096); // the banner may straddle two chunks
      if (!seen && kernelBanner.test(text)) {
        seen = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr!.resume();
    child.once('error', () => resolvePromise(false));
    child.once('close', () => {
      clearTimeout(timer);
      resolvePromise(seen);
    });
  });
}
