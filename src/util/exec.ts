/**
 * Where tczbuild starts every external program: nothing else in src/ imports execa or
 * node:child_process (test/util/one-exec-path.test.ts). runTool() runs one to its end: a missing
 * program becomes `tool-missing` with an install hint, a failure `tool-failed` with the tail of
 * its stderr. startProgram()/spawnTracked() start one whose streams the caller reads (a
 * decompressor, QEMU, spawner.ts's long-lived shells, which start the many small programs of
 * a large build with the same guarantees). execa is loaded on the first call, not at startup:
 * it costs ~100 ms to import and most commands never run a program.
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
import type { Options } from 'execa';
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

let execaModule: Promise<typeof import('execa')> | undefined;

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A run's environment: variables handed to a program, PATH to find it on. */
export type Env = NodeJS.ProcessEnv;

/** execa's options, with the run's whole environment (nothing is merged in from this process). */
export type ToolOptions = Omit<Options, 'env' | 'extendEnv'> & { readonly env: Env };

export async function runTool(file: string, args: readonly string[], options: ToolOptions): Promise<ToolResult> {
  const { execa } = await (execaModule ??= import('execa'));
  const path = findProgram(file, options.env.PATH ?? '');
  if (path === undefined) missing(file);
  const [cmd, argv] = diesWithUs(path, args, options.env);
  let untrack = (): void => undefined;
  try {
    const child = execa(cmd, argv, { ...options, env: { ...options.env }, extendEnv: false, detached: true, stripFinalNewline: false, encoding: 'utf8' });
    if (child.pid !== undefined) untrack = trackChild(child.pid);
    const r = await child;
    return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } catch (error) {
    const e = error as { code?: string; signal?: string; timedOut?: boolean; stderr?: unknown; exitCode?: number };
    if (e.code === 'ENOENT') missing(file, error);
    const tail = String(e.stderr ?? '').trim().split('\n').slice(-8).join('\n');
    fail('tool-failed', undefined, `${file} ${args.join(' ')} failed (${e.timedOut ? 'timed out' : e.signal ? `killed by ${e.signal}` : `exit code ${String(e.exitCode)}`})${tail ? `:\n${tail}` : ''}`, undefined, error);
  } finally {
    untrack();
  }
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
}

/**
 * The one spawn() in tczbuild: a program in its own process group (Ctrl-C and SIGTERM handling
 * in interrupt.ts stops the group before tczbuild exits), under setpriv's parent-death signal
 * (a `kill -9` of tczbuild takes it down), tracked until it exits. `path` is already resolved
 * (findProgram); spawnTracked and the callers that hold a long-lived child (QEMU, the spawner's
 * shells) start theirs here.
 */
export function startProgram(path: string, args: readonly string[], options: StartOptions): ChildProcess {
  const [cmd, argv] = diesWithUs(path, args, options.env);
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
 * The command line that runs `path args` under util-linux `setpriv --pdeathsig KILL` where it
 * exists, so the kernel kills the program when tczbuild dies, even by `kill -9`. `guard`: setpriv's
 * path when the caller looked it up already (undefined: none on PATH).
 */
export function diesWithUs(path: string, args: readonly string[], env: Env, guard = findProgram('setpriv', env.PATH ?? '')): [string, string[]] {
  return guard ? [guard, ['--pdeathsig', 'KILL', '--', path, ...args]] : [path, [...args]];
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
