/**
 * runTool(): where tczbuild starts an external program (spawner.ts, for builds and verifies of
 * many extensions, starts them through long-lived shells with the same guarantees and the same
 * diagnostics). A missing program becomes
 * `tool-missing` with an install hint; a failure becomes `tool-failed` with the tail of its
 * stderr; spawnTracked() starts one whose streams the caller reads. Nothing else in src/ imports execa. execa is loaded on the first call, not at
 * startup: it costs ~100 ms to import and most commands never run a program.
 *
 * Every program runs in its own process group (so Ctrl-C handling in interrupt.ts can stop it
 * and whatever it started) and, through util-linux `setpriv --pdeathsig KILL`, is killed by the
 * kernel the moment tczbuild dies, even by `kill -9`: no orphan mksquashfs keeps writing.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
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

export async function runTool(file: string, args: readonly string[], options: Options = {}): Promise<ToolResult> {
  const { execa } = await (execaModule ??= import('execa'));
  const path = findProgram(file, options.env?.PATH ?? process.env.PATH ?? '');
  if (path === undefined) missing(file);
  const [cmd, argv] = diesWithUs(path, args);
  let untrack = (): void => undefined;
  try {
    const child = execa(cmd, argv, { ...options, detached: true, stripFinalNewline: false, encoding: 'utf8' });
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

/**
 * Start a program whose stdout and stderr the caller reads itself (a decompressor feeding the
 * tar reader), with the same guarantees runTool gives: its own process group, stopped by Ctrl-C
 * handling, killed by the kernel if tczbuild dies. Undefined when it is not on PATH.
 */
export function spawnTracked(file: string, args: readonly string[]): ChildProcessByStdio<null, Readable, Readable> | undefined {
  const path = findProgram(file, process.env.PATH ?? '');
  if (path === undefined) return undefined;
  const [cmd, argv] = diesWithUs(path, args);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) child.once('exit', trackChild(child.pid));
  return child;
}

/** spawnTracked with `input` piped to the program's stdin (a decompressor reading part of a file). */
export function spawnTrackedFrom(file: string, args: readonly string[], input: Readable): ChildProcessByStdio<Writable, Readable, Readable> | undefined {
  const path = findProgram(file, process.env.PATH ?? '');
  if (path === undefined) return undefined;
  const [cmd, argv] = diesWithUs(path, args);
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  if (child.pid !== undefined) child.once('exit', trackChild(child.pid));
  // A program stopped early closes its stdin: the broken pipe is expected, not a failure.
  child.stdin.on('error', () => undefined);
  input.on('error', (error) => child.stdin.destroy(error));
  input.pipe(child.stdin);
  child.once('close', () => input.destroy());
  return child;
}

/**
 * The command line that runs `path args` under util-linux `setpriv --pdeathsig KILL` where it
 * exists, so the kernel kills the program when tczbuild dies, even by `kill -9`.
 */
export function diesWithUs(path: string, args: readonly string[]): [string, string[]] {
  const guard = findProgram('setpriv', process.env.PATH ?? '');
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
