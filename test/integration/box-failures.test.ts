/**
 * `tczbuild test` catching what only a booted box shows, in one boot of the stand-in box: an
 * extension whose image ships opt/ root:root 0755 re-owns the box's /opt through the real
 * tce-load (a finding naming /opt and its owner/mode before and after), and a test step that
 * never ends is stopped at the bound with the step named, exit 1, no QEMU and no server left.
 * A first boot is terminated (SIGTERM) once the guest is inside the step that never ends; how
 * long it took to get there sets the second boot's --bound (three times that, at least 30 s), so
 * the hang costs seconds on a quiet machine and still lands in that step on a busy one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { readdir, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { diagnosticsOf, tczbuild, type CliRun } from '../helpers/cli.js';
import { inBootLane } from '../helpers/file-lock.js';
import { testdir } from '../helpers/testdir.js';
import { repoRoot } from './helpers/box-project.js';

const info = (name: string): string => `name: ${name}
version: "1.0"
description: ${name} (box test fixture)
author: tczbuild tests
original-site: https://example.invalid/
copying-policy: MIT
`;

let dir: string;
let run: CliRun;
let bound: number;

/** What the SIGTERM boot showed, asserted by the last test. */
interface Terminated {
  readonly qemuBeforeKill: boolean;
  readonly code: number | null;
  readonly qemuAfterKill: boolean;
  readonly out: string;
  readonly logDirAfter: string[];
}
let terminated: Terminated;

/**
 * Boots `hang` alone, waits until the guest printed its quick step (it is then inside the step
 * that never ends) or tczbuild ended, and sends SIGTERM. Returns what it saw and how many ms
 * the guest took to get there.
 */
async function terminateMidStep(): Promise<{ seen: Terminated; reachMs: number }> {
  const logDir = join(dir, 'log-term');
  const started = Date.now();
  const cli = spawn(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'test', 'hang', '--box', 'box/box.yaml', '--bound', '900', '--log-dir', logDir, '--json'], { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
  const qemuRunning = (): boolean => execFileSync('ps', ['-eo', 'args']).toString().split('\n').some((l) => l.includes('qemu-system') && l.includes(logDir));
  try {
    // Wait until the guest is inside the step that never ends, or tczbuild has already ended
    // (no QEMU, a boot that failed): then the checks fail at once, not after minutes.
    let ended = false;
    void exited.then(() => (ended = true));
    for (let i = 0; i < 1600 && !ended; i++) {
      const log = await readFile(join(logDir, 'console.log'), 'utf8').catch(() => '');
      if (log.includes('still answering')) break;
      await sleep(500);
    }
    const reachMs = Date.now() - started;
    const qemuBeforeKill = qemuRunning();
    cli.kill('SIGTERM');
    const code = await exited;
    const seen = { qemuBeforeKill, code, qemuAfterKill: qemuRunning(), out, logDirAfter: await readdir(logDir).catch(() => []) };
    return { seen, reachMs };
  } finally {
    cli.kill('SIGKILL');
  }
}

beforeAll(async () => {
  dir = await testdir({
    'recipes/broken-opt.yaml': `${info('broken-opt')}overlays: [broken-opt]\ndirectories:\n  - { path: opt, mode: "0755", owner: root, group: root }\ntest:\n  - run: cat /opt/broken/readme\n`,
    'rootfs-overlays/broken-opt/opt/broken/readme': 'shipped under opt/\n',
    'recipes/hang.yaml': `${info('hang')}overlays: [hang]\ntest:\n  - name: quick\n    run: echo still answering\n    expect: still answering\n  - name: sleeps forever\n    run: sleep 100000\n`,
    'rootfs-overlays/hang/usr/local/share/hang/readme': 'hang\n',
    // the project says where test logs go (log-dir:), so the run below passes no --log-dir
    'tczbuild.yaml': 'log-dir: log\n',
  }, { keep: true });
  await runTool(join(repoRoot, 'scripts/make-standin-box.sh'), [join(dir, 'box')], { env: process.env });
  // --no-verify: broken-opt is refused by the build gate (tcz-base-dir); the box must show what it does
  const built = await tczbuild(['build', 'broken-opt', 'hang', '--tc-version', '11', '--no-verify'], { cwd: dir });
  expect(built.code, built.stderr).toBe(0);
  await inBootLane(async () => {
    const first = await terminateMidStep();
    terminated = first.seen;
    bound = Math.max(30, Math.ceil((3 * first.reachMs) / 1000));
    console.log(`the guest reached the hang in ${(first.reachMs / 1000).toFixed(1)} s: --bound ${bound}`);
    run = await tczbuild(['test', 'broken-opt', 'hang', '--box', 'box/box.yaml', '--bound', String(bound), '--json'], { cwd: dir });
  });
}, 1_800_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the stand-in box (scripts/make-standin-box.sh)', () => {
  it('carries Core-scripts, user tc in staff, a setuid sudo, the modules it needs but no overlay, and scripts that pass shellcheck', async () => {
    const root = join(dir, 'unpacked');
    execFileSync('sh', ['-c', `mkdir -p "${root}" && cd "${root}" && zcat ../box/core.gz | cpio -id --quiet`]);
    const listing = execFileSync('sh', ['-c', `cd "${root}" && find . -printf '%M %u:%g %p\\n'`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    for (const line of ['-rwxr-xr-x root:root ./init', '-rwxr-xr-x root:root ./usr/bin/tce-load', '-rwxr-xr-x root:root ./etc/init.d/tc-config', '-rwsr-xr-x root:root ./usr/bin/sudo', 'drwxrwxr-x root:staff ./opt']) {
      expect(listing.split('\n')).toContain(line);
    }
    expect(await readFile(join(root, 'etc/passwd'), 'utf8')).toContain('tc:x:1001:50:');
    expect(listing).toMatch(/\/kernel\/net\/bridge\/br_netfilter\.ko\n/);
    expect(listing).toMatch(/\/kernel\/fs\/squashfs\/squashfs\.ko\n/);
    expect(listing).not.toMatch(/overlay\.ko/);
    execFileSync('shellcheck', ['-s', 'sh', ...['sbin/depmod', 'sbin/udevadm', 'sbin/udevd', 'sbin/standin-devtmpfs', 'usr/bin/rotdash'].map((f) => join(root, f))]);
  });
});

describe('tczbuild test catches broken extensions and hung guests', () => {
  it('exits 1 for what the booted box showed (the finding and the bound), not for a box that never booted', () => {
    expect(run.code, run.stdout + run.stderr).toBe(1);
    // exit 1 alone also comes from a QEMU that is missing or fails to start: name the causes
    expect([...new Set(diagnosticsOf(run).map((d) => d.id))].sort(), run.stderr).toEqual(['box-bound', 'box-finding']);
  });

  it('names /opt and its owner and mode before and after installing the extension that took it over', () => {
    const findings = diagnosticsOf(run).filter((d) => d.id === 'box-finding');
    expect(findings.map((d) => d.message)).toEqual(['install broken-opt: tce-load -wi broken-opt (as tc): /opt was root:staff 0775 before the install and root:root 0755 after it']);
    const step = run.events.find((e) => (e.data as { title?: string } | undefined)?.title?.startsWith('install broken-opt'));
    expect(step?.data).toMatchObject({ status: 'fail', findings: [{ path: '/opt', before: 'root:staff:775', after: 'root:root:755' }] });
    // the extension itself installed fine: only the box test notices
    expect(run.events.find((e) => (e.data as { title?: string } | undefined)?.title === 'install hang: tce-load -wi hang (as tc)')?.data).toMatchObject({ status: 'pass' });
  });

  it('stops the guest at the bound, naming the step it was in, and keeps the console log where tczbuild.yaml\'s log-dir: says, without the initrd', async () => {
    expect(await readdir(join(dir, 'log'))).toEqual(['console.log']);
    const stopped = diagnosticsOf(run).filter((d) => d.id === 'box-bound');
    expect(stopped.map((d) => d.message)).toEqual([`the guest was stopped after ${bound} s in step "hang: sleeps forever"`]);
    expect(run.events.find((e) => (e.data as { title?: string } | undefined)?.title === 'hang: quick')?.data).toMatchObject({ status: 'pass' });
    const log = await readFile(join(dir, 'log/console.log'), 'utf8');
    expect(log).toMatch(/@@tczbox:[0-9a-f]{16} step 6/);
    expect(log).not.toMatch(/@@tczbox:[0-9a-f]{16} done/);
  });

  it('leaves no QEMU and no mirror server running', async () => {
    const ps = execFileSync('ps', ['-eo', 'args']).toString();
    expect(ps.split('\n').filter((l) => l.includes('qemu-system') && l.includes(join(dir, 'log')))).toEqual([]);
    const boot = run.events.find((e) => (e.data as { box?: string } | undefined)?.box === 'boot')!.data as { port: number };
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(boot.port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(false); });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});

describe('tczbuild test under SIGTERM', () => {
  it('stops QEMU and the mirror and exits 143 when tczbuild is terminated mid-step', () => {
    const t = terminated;
    expect(t.qemuBeforeKill).toBe(true);
    expect(t.code).toBe(143);
    expect(t.qemuAfterKill).toBe(false);
    // it says it was interrupted, not how QEMU ended, and the result's exit code is the process's
    const events = t.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; exitCode?: number; diagnostic?: { message: string } });
    expect(events.filter((e) => e.type === 'diagnostic').map((e) => e.diagnostic!.message)).toEqual([expect.stringMatching(/^interrupted by SIGTERM in step "hang: sleeps forever"/)]);
    expect(events.find((e) => e.type === 'result')?.exitCode).toBe(143);
    // an interrupted run cleans its initrd too: only the console log stays in --log-dir
    expect(t.logDirAfter).toEqual(['console.log']);
  });
});
