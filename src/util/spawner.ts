/**
 * A small long-lived shell that starts programs for tczbuild, one at a time, so that building
 * thousands of small extensions does not pay Node's spawn() per program: spawn() forks the
 * whole Node process and blocks the event loop until the child has exec'd (measured at 4 ms of
 * CPU and up to 30 ms of a stalled event loop per program on a loaded 2-core machine), while
 * `sh` forks in a fraction of that and concurrently with Node.
 *
 * The guarantees of util/exec.ts hold: the shell leads its own process group (Ctrl-C handling
 * in interrupt.ts stops the group, and with it the running program), and it runs under
 * `setpriv --pdeathsig TERM`: when tczbuild dies, even by `kill -9`, the kernel sends the shell
 * TERM and the shell's trap kills its whole group. The programs it starts inherit that group, so
 * they need no setpriv of their own (an exec per program that cost about 4 ms of CPU each, a
 * tenth of what 200 small extensions took). A command travels single-quoted in a small file of
 * the shell's own, which the shell sources when a line on its stdin says so: the shell's `read`
 * takes one byte per system call, and a whole mksquashfs command line (400 bytes) that way cost
 * more than the rest of the round trip.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fail } from '../diagnostics/errors.js';
import { findProgram, runTool, startProgram, type Env, type ToolResult } from './exec.js';

// Sources one quoted command (`set -- ...`) per line read, runs it with stdio redirected to this
// shell's two files, answers with its exit status. `exec` is not used: the shell must outlive
// the program. The program runs in the background and the shell waits for it, because a shell
// runs its TERM trap during `wait` but only after a foreground command has ended; `kill 0`
// signals the shell's own group, so no program can slip out between its fork and `$!`.
const loop = `unset SOURCE_DATE_EPOCH
trap 'kill -KILL 0' TERM
while read -r _; do
  . "$TCZ_SPAWNER_CMD"
  "$@" </dev/null >"$TCZ_SPAWNER_OUT" 2>"$TCZ_SPAWNER_ERR" &
  wait "$!"
  echo "$?"
done`;

function readSmall(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

interface Pending {
  readonly resolve: (status: number) => void;
  readonly reject: (error: Error) => void;
}

class Shell {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tczbuild-spawner-'));
  private readonly command = join(this.dir, 'command');
  /** Open for the shell's life: each command is written over the last, in place (see run()). */
  private readonly commandFd = openSync(this.command, 'w+');
  private pending: Pending | undefined;
  private buffered = '';
  private dead: Error | undefined;

  constructor(private readonly env: Env) {
    const sh = findProgram('sh', env.PATH ?? '') ?? '/bin/sh';
    this.child = startProgram(sh, ['-c', loop], {
      stdio: ['pipe', 'pipe', 'ignore'],
      deathSignal: 'TERM',
      env: { ...env, TCZ_SPAWNER_CMD: this.command, TCZ_SPAWNER_OUT: join(this.dir, 'out'), TCZ_SPAWNER_ERR: join(this.dir, 'err') },
    }) as ChildProcessByStdio<Writable, Readable, null>;
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => {
      this.buffered += text;
      const nl = this.buffered.indexOf('\n');
      if (nl < 0) return;
      const status = Number(this.buffered.slice(0, nl));
      this.buffered = this.buffered.slice(nl + 1);
      const p = this.pending;
      this.pending = undefined;
      p?.resolve(status);
    });
    this.child.stdin.on('error', () => undefined); // a dead shell is reported through 'exit'
    this.child.on('exit', (code, signal) => {
      this.dead = new Error(`the program-starting shell ended (${signal ?? `exit code ${String(code)}`})`);
      this.pending?.reject(this.dead);
      this.pending = undefined;
      closeSync(this.commandFd);
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  /** Taken by a caller (set before run() starts, so two callers never share a shell). */
  reserved = false;

  get alive(): boolean {
    return this.dead === undefined;
  }

  async run(path: string, args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    if (this.dead) throw this.dead;
    const status = await new Promise<number>((resolve, reject) => {
      this.pending = { resolve, reject };
      // written over the last one (the shell has read it) and cut to length: no inode per
      // program, and no block freed and taken again as truncating to nothing would (a tenth of
      // a millisecond each on ext4)
      const text = Buffer.from(`set -- ${[path, ...args].map(quote).join(' ')}\n`);
      writeSync(this.commandFd, text, 0, text.length, 0);
      ftruncateSync(this.commandFd, text.length);
      this.child.stdin.write('\n');
    });
    // read in place: a few bytes each (mksquashfs -quiet writes none), and two async reads were
    // ten thread-pool round trips per program
    return { status, stdout: readSmall(join(this.dir, 'out')), stderr: readSmall(join(this.dir, 'err')) };
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Up to `size` shells, started on demand, in the run's environment `env`; run() waits for a free one. */
export class Spawner {
  private readonly shells: Shell[] = [];
  private readonly waiters: Array<() => void> = [];
  /** Programs looked up on PATH once per spawner, not once per run (each lookup is an access() per PATH entry). */
  private readonly found = new Map<string, string | undefined>();

  constructor(
    private readonly size: number,
    private readonly env: Env,
  ) {}

  /** runTool()'s contract (tool-missing, tool-failed with the stderr tail), through a shell. */
  async runTool(file: string, args: readonly string[]): Promise<ToolResult> {
    if ([file, ...args].some((a) => a.includes('\0'))) return runTool(file, args, { env: { ...this.env, SOURCE_DATE_EPOCH: undefined } });
    const path = this.locate(file);
    if (path === undefined) return runTool(file, args, { env: this.env }); // reports tool-missing with its install hint
    const shell = await this.acquire();
    let r: { status: number; stdout: string; stderr: string };
    try {
      r = await shell.run(path, args);
    } finally {
      this.release(shell);
    }
    if (r.status === 0) return { stdout: r.stdout, stderr: r.stderr };
    const tail = r.stderr.trim().split('\n').slice(-8).join('\n');
    const how = r.status > 128 ? `killed by signal ${r.status - 128}` : `exit code ${r.status}`;
    return fail('tool-failed', undefined, `${file} ${args.join(' ')} failed (${how})${tail ? `:\n${tail}` : ''}`);
  }

  /** Let the shells exit; a program still running finishes first. */
  close(): void {
    for (const s of this.shells) s.close();
    this.shells.length = 0;
  }

  private async acquire(): Promise<Shell> {
    for (;;) {
      // a shell that died (stopped by a signal) is replaced, not reused
      for (let i = this.shells.length - 1; i >= 0; i--) if (!this.shells[i]!.alive && !this.shells[i]!.reserved) this.shells.splice(i, 1);
      const idle = this.shells.find((s) => !s.reserved) ?? (this.shells.length < this.size ? this.started() : undefined);
      if (idle) {
        idle.reserved = true;
        return idle;
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private locate(file: string): string | undefined {
    if (!this.found.has(file)) this.found.set(file, findProgram(file, this.env.PATH ?? ''));
    return this.found.get(file);
  }

  private started(): Shell {
    const s = new Shell(this.env);
    this.shells.push(s);
    return s;
  }

  private release(shell: Shell): void {
    shell.reserved = false;
    this.waiters.shift()?.();
  }
}
