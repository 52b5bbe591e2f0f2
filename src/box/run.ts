/**
 * One `tczbuild test` run: serve the mirror on 127.0.0.1, write the initrd (the box's own
 * followed by a small archive carrying the generated /opt/bootlocal.sh and /opt/tcemirror),
 * pick the accelerator, boot, follow the console protocol and report each step as it ends.
 * Whatever happens, QEMU is stopped and the server closed before this returns.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { startMirrorServer } from '../mirror/server.js';
import type { UpstreamCache } from '../mirror/upstream-cache.js';
import type { Reporter } from '../report/reporter.js';
import { STAFF_GID } from '../tinycore/base-system.js';
import { gzipNewc } from './cpio.js';
import { guestScript } from './guest-script.js';
import type { BootFiles, LoadedBox } from './load.js';
import type { BoxStep } from './plan.js';
import { ConsoleTracker, parseConsoleLine, type StepState } from './protocol.js';
import { bootArgs } from './qemu-args.js';
import { bootBox, kvmWorks, requireQemu } from './qemu.js';
import { interruptedBy } from '../util/interrupt.js';

export interface BoxRunOptions {
  readonly loaded: LoadedBox;
  readonly boot: BootFiles;
  readonly steps: readonly BoxStep[];
  /** the mirror root served to the guest (the directory holding <major>.x/) */
  readonly mirrorRoot: string;
  readonly upstream?: UpstreamCache;
  /** where the initrd and console.log are written */
  readonly workDir: string;
  readonly boundMs: number;
  readonly reporter: Reporter;
  readonly onStepEnd: (step: BoxStep, state: StepState) => void;
  /** The run's environment: QEMU is found on its PATH and runs in it. */
  readonly env: NodeJS.ProcessEnv;
}

export interface BoxRunResult {
  readonly tracker: ConsoleTracker;
  readonly end: 'done' | 'bound' | 'exited';
  readonly exitDetail?: string;
  /** The signal that stopped tczbuild (and with it QEMU) during the run. */
  readonly interrupted?: NodeJS.Signals;
  readonly accel: 'kvm' | 'tcg';
  readonly consoleLog: string;
  readonly ms: number;
}

export async function runBox(o: BoxRunOptions): Promise<BoxRunResult> {
  requireQemu(o.env);
  await mkdir(o.workDir, { recursive: true });
  const consoleLog = join(o.workDir, 'console.log');
  await writeFile(consoleLog, '');
  const server = await startMirrorServer({ root: o.mirrorRoot, host: '127.0.0.1', port: 0, upstream: o.upstream });
  try {
    // a fresh frame per run: console lines without it are not events (protocol.ts)
    const nonce = randomBytes(8).toString('hex');
    const initrd = await writeInitrd(o, server.port, nonce);
    const accel = await chooseAccel(o.loaded.box.accel, o.boot.kernel, o.reporter, o.env);
    const args = bootArgs({ kernel: o.boot.kernel, initrd, cmdline: o.loaded.box.cmdline, memoryMb: o.loaded.box.memory, accel });
    o.reporter.emit({ type: 'info', message: `booting ${o.loaded.box.name} (${accel}), mirror http://10.0.2.2:${server.port}/ (127.0.0.1:${server.port} here)`, data: { box: 'boot', accel, port: server.port, consoleLog } });
    const tracker = new ConsoleTracker(o.steps.map((s) => s.id));
    const byId = new Map(o.steps.map((s) => [s.id, s]));
    const started = Date.now();
    const end = await bootBox({
      args,
      logPath: consoleLog,
      boundMs: o.boundMs,
      env: o.env,
      onLine: (line) => {
        const event = parseConsoleLine(line, nonce);
        if (!event) return false;
        const ended = tracker.apply(event, Date.now());
        if (ended) o.onStepEnd(byId.get(ended.id)!, ended);
        return tracker.done;
      },
    });
    // QEMU stopped because tczbuild was: say that, not how QEMU ended
    const signal = interruptedBy();
    const detail = signal ? `interrupted by ${signal}` : end.kind === 'exited' ? `QEMU exited (${end.signal ?? `status ${end.code}`})` : undefined;
    return { tracker, end: signal ? 'exited' : end.kind, ...(detail ? { exitDetail: detail } : {}), ...(signal ? { interrupted: signal } : {}), accel, consoleLog, ms: Date.now() - started };
  } finally {
    await server.close(1000);
    // The initrd is the box's own files plus two small ones: tens of MB nobody reads again.
    // console.log stays where --log-dir (or the temp directory named in the output) says.
    await rm(join(o.workDir, 'initrd.gz'), { force: true });
  }
}

async function writeInitrd(o: BoxRunOptions, port: number, nonce: string): Promise<string> {
  const path = join(o.workDir, 'initrd.gz');
  const extra = gzipNewc([
    { path: 'opt/bootlocal.sh', data: Buffer.from(guestScript(o.steps, nonce)), mode: 0o775, uid: 0, gid: STAFF_GID },
    { path: 'opt/tcemirror', data: Buffer.from(`http://10.0.2.2:${port}/\n`), mode: 0o664, uid: 0, gid: STAFF_GID },
  ]);
  const out = createWriteStream(path);
  for (const part of o.boot.initrd) await pipeline(createReadStream(part), out, { end: false });
  await new Promise<void>((res, rej) => out.end(extra, (err?: Error | null) => (err ? rej(err) : res())));
  return path;
}

async function chooseAccel(wanted: 'kvm' | 'tcg' | 'auto', kernel: string, reporter: Reporter, env: NodeJS.ProcessEnv): Promise<'kvm' | 'tcg'> {
  if (wanted !== 'auto') return wanted;
  if (await kvmWorks(kernel, env)) return 'kvm';
  reporter.emit({ type: 'info', message: 'KVM did not start a guest here: using TCG (software emulation)', data: { box: 'accel', accel: 'tcg' } });
  return 'tcg';
}
