/**
 * Where tczbuild starts every external program: nothing else in src/ imports
 * node:child_process (test/util/one-exec-path.test.ts). runTool() runs one to its end: a missing
 * program becomes `tool-missing` with an install hint, a failure `tool-failed` with the tail of
 * its stderr. startProgram()/spawnTracked() start one whose streams the caller reads (a
 * decompressor, QEMU, spawner.ts's long-lived shells, which start the many small programs of
 * a large build with the same guarantees). All of them go through the one spawn() in
 * startProgram(): runTool() needs nothing more than collecting two streams and the exit status,
 * and execa, which it used before, cost a build ~130 modules and ~0.1 s to import for the two
 * programs every build asks first (`mksquashfs -version`, `git log`).
 *
 * The environment a program runs in, and the PATH it is looked up on, are the run's own (the
 * `env` every caller passes, which the CLI entry read once): never this process's, so two runs
 * with different environments can share one process.
 *
 * Every program runs in its own process group (so Ctrl-C handling in interrupt.ts can stop it
 * and whatever it started) and, through util-linux `setpriv --pdeathsig KILL`, is killed by the
 * kernel the moment tczbuild dies, even by `kill -9`: no orphan mksquashfs keeps writing.
 */
import { execFileSync, spawn, type ChildProcess, type ChildProcessByStdio, type StdioOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fail } from '../diagnostics/errors.js';
import { trackChild } from './interrupt.js';

/** Debian package that provides each tool we drive, for the install hint. */
const packageFor: Readonly<Record<string, string>> = {
  mksquashfs: 'squashfs-tools',
  unsquashfs: 'squashfs-tools',
  busybox: 'busybox-static',
  shellcheck: 'shellcheck',
  make: 'make',
  modinfo: 'kmod',
  modprobe: 'kmod',
  nm: 'binutils',
  strip: 'binutils',
  ctr: 'containerd',
  containerd: 'containerd',
};

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A run's environment: variables handed to a program, PATH to find it on. */
export type Env = NodeJS.ProcessEnv;

export interface ToolOptions {
  /** The program's whole environment (nothing is merged in from this process); PATH finds it. */
  readonly env: Env;
  readonly cwd?: string;
  /** false: a program that exits non-zero is not a failure; its output is returned. */
  readonly reject?: boolean;
}

export async function runTool(file: string, args: readonly string[], options: ToolOptions): Promise<ToolResult> {
  const path = findProgram(file, options.env.PATH ?? '');
  if (path === undefined) missing(file);
  const child = startProgram(path, args, { env: options.env, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => void stdout.push(c));
  child.stderr!.on('data', (c: Buffer) => void stderr.push(c));
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? missing(file, error) : Promise.reject(error)));
  const result = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
  if (code === 0 || options.reject === false) return result;
  const tail = result.stderr.trim().split('\n').slice(-8).join('\n');
  fail('tool-failed', undefined, `${file} ${args.join(' ')} failed (${signal ? `killed by ${signal}` : `exit code ${String(code)}`})${tail ? `:\n${tail}` : ''}`);
}

function missing(file: string, cause?: unknown): never {
  const pkg = packageFor[file.split('/').pop() ?? file];
  fail('tool-missing', undefined, `${file} was not found on PATH`, pkg ? `install it: apt-get install ${pkg}` : `install ${file}`, cause);
}

export interface StartOptions {
  /** Default: no stdin, stdout and stderr piped to the caller. */
  readonly stdio?: StdioOptions;
  /** The program's whole environment; setpriv is looked up on its PATH. */
  readonly env: Env;
  readonly cwd?: string;
  /** The signal the program gets when tczbuild dies (default KILL; the spawner's shell takes TERM and passes it on). */
  readonly deathSignal?: 'KILL' | 'TERM';
}

/**
 * The one spawn() in tczbuild: a program in its own process group (Ctrl-C and SIGTERM handling
 * in interrupt.ts stops the group before tczbuild exits), under setpriv's parent-death signal
 * (a `kill -9` of tczbuild takes it down), tracked until it exits. `path` is already resolved
 * (findProgram); spawnTracked and the callers that hold a long-lived child (QEMU, the spawner's
 * shells) start theirs here.
 */
export function startProgram(path: string, args: readonly string[], options: StartOptions): ChildProcess {
  const [cmd, argv] = diesWithUs(path, args, options.env, options.deathSignal);
  const child = spawn(cmd, argv, {
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: options.env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  if (child.pid !== undefined) child.once('exit', trackChild(child.pid));
  return child;
}

/**
 * Start a program whose stdout and stderr the caller reads itself (a decompressor feeding the
 * tar reader), with the same guarantees runTool gives. Undefined when it is not on PATH.
 */
export function spawnTracked(file: string, args: readonly string[], env: Env): ChildProcessByStdio<null, Readable, Readable> | undefined {
  const path = findProgram(file, env.PATH ?? '');
  if (path === undefined) return undefined;
  return startProgram(path, args, { env }) as ChildProcessByStdio<null, Readable, Readable>;
}

/** spawnTracked with `input` piped to the program's stdin (a decompressor reading part of a file). */
export function spawnTrackedFrom(file: string, args: readonly string[], input: Readable, env: Env): ChildProcessByStdio<Writable, Readable, Readable> | undefined {
  const path = findProgram(file, env.PATH ?? '');
  if (path === undefined) return undefined;
  const child = startProgram(path, args, { stdio: ['pipe', 'pipe', 'pipe'], env }) as ChildProcessByStdio<Writable, Readable, Readable>;
  // A program stopped early closes its stdin: the broken pipe is expected, not a failure.
  child.stdin.on('error', () => undefined);
  input.on('error', (error) => child.stdin.destroy(error));
  input.pipe(child.stdin);
  child.once('close', () => input.destroy());
  return child;
}

/**
 * A program's stdout, run to its end synchronously, or undefined when it cannot be run or fails:
 * for the few answers tczbuild needs before anything async can run (`--version` asks git for the
 * commit). No process group or tracking: it is over before this returns.
 */
export function toolOutputSync(file: string, args: readonly string[], options: { readonly cwd?: string; readonly env: Env }): string | undefined {
  const path = findProgram(file, options.env.PATH ?? '');
  if (path === undefined) return undefined;
  try {
    return execFileSync(path, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: options.env, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) });
  } catch {
    return undefined;
  }
}

/**
 * The command line that runs `path args` under util-linux `setpriv --pdeathsig SIGNAL` where it
 * is on the run's PATH, so the kernel signals the program when tczbuild dies, even by `kill -9`.
 */
function diesWithUs(path: string, args: readonly string[], env: Env, signal: 'KILL' | 'TERM' = 'KILL'): [string, string[]] {
  const guard = findProgram('setpriv', env.PATH ?? '');
  return guard ? [guard, ['--pdeathsig', signal, '--', path, ...args]] : [path, [...args]];
}

/** The executable a name resolves to on PATH (a name with a slash as is), or undefined. */
export function findProgram(file: string, pathVar: string): string | undefined {
  const candidates = file.includes('/') ? [file] : pathVar.split(delimiter).filter(Boolean).map((d) => join(d, file));
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
