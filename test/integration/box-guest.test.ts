/**
 * What only a booted stand-in box shows, from one boot (TCG) that installs every fixture
 * extension side by side (helpers/guest-fixtures.ts), plus two boots of hang alone for the bound.
 * Under TCG a guest costs a CPU for as long as it runs, so the checks that each booted a box of
 * their own share one; their steps cannot hide each other's failures:
 *
 * - bare and linked (Debian's `true`, which asks for /lib64/ld-linux-x86-64.so.2, on a box with no
 *   /lib64): bare without box-links is refused by the build gate and, built past it, at install;
 *   linked with box-links installs and runs. linked installs before webd, so its hook makes the
 *   /lib64 link and webd's finds it there (a hook that made none fails both).
 * - webd and webcheck (`kind: daemon`): Debian's BusyBox httpd as user tc through the generated
 *   init script and install hook; stop, status 3, start, restart; a service `after: [webd]`.
 *   webd passes the host's pre-boot check only through its own box-links.
 * - broken-opt ships opt/ root:root 0755 and re-owns the box's /opt through the real tce-load:
 *   a finding names /opt and its owner and mode before and after. It installs after the others,
 *   so no other install sees the changed /opt.
 * - hang: a quick step, then a step that never ends. The run is terminated (SIGTERM) once the
 *   guest is inside that step: QEMU and the mirror stop, exit 143, the step named.
 *
 * The bound (--bound) is the same stop from a timer instead of a signal. A boot stopped by
 * `--bound 2` while still booting shows all of it (exit 1, box-bound, no QEMU, no server, the
 * console log kept where tczbuild.yaml's log-dir: says, no initrd) in seconds. A bound that lands
 * inside a step has to outlast the boot: a boot of hang alone gets the time the boot with every
 * fixture took to reach hang's endless step, plus ten seconds, and must name that step.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { diagnosticsOf, tczbuild, type CliRun } from '../helpers/cli.js';
import { inBootLane } from '../helpers/file-lock.js';
import { testdir } from '../helpers/testdir.js';
import { repoRoot } from './helpers/box-project.js';
import { bare, brokenOpt, debianBusyboxDeb, guestOverlays, hang, linked, webcheck, webd } from './helpers/guest-fixtures.js';

/** Install order: see the header. hang comes last: its second step never ends. */
const names = ['bare', 'linked', 'webd', 'webcheck', 'broken-opt', 'hang'];
const bound = 2;

interface Event {
  readonly type: string;
  readonly message?: string;
  readonly exitCode?: number;
  readonly data?: { box?: string; id?: number; title?: string; status?: string; reason?: string; findings?: unknown[]; port?: number };
  readonly diagnostic?: { id: string; message: string };
}

/** What the boot that was terminated in the step that never ends showed. */
interface Terminated {
  readonly events: Event[];
  readonly qemuBeforeKill: boolean;
  readonly code: number | null;
  readonly qemuAfterKill: boolean;
  readonly logDirAfter: string[];
  readonly consoleLog: string;
  /** From the start of `tczbuild test` until the guest began the step that never ends (undefined: it never did). */
  readonly reachedHangMs?: number;
}

let dir: string;
let bareBuild: CliRun;
let guest: Terminated;
let bounded: CliRun;
/** A bound that lands inside the step that never ends, and the run it stopped. */
let inStepBound: number;
let inStep: CliRun;

const qemuRunning = (logDir: string): boolean => execFileSync('ps', ['-eo', 'args']).toString().split('\n').some((l) => l.includes('qemu-system') && l.includes(logDir));

/**
 * Boots every fixture in one guest (`tczbuild test` as its own process), waits until the guest
 * has started the step that never ends (or tczbuild has ended: then the checks fail at once)
 * and sends SIGTERM.
 */
async function bootAllAndTerminate(): Promise<Terminated> {
  const logDir = join(dir, 'log-term');
  const cli = spawn(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'test', ...names, '--box', 'box/box.yaml', '--bound', '900', '--log-dir', logDir, '--json'], { cwd: dir, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const events = (): Event[] => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Event);
  const started = Date.now();
  let reachedHangMs: number | undefined;
  try {
    // "hang: quick" ends, then the guest says it starts the next step: the one that never ends
    for (let i = 0; i < 3600 && !ended; i++) {
      const quick = events().find((e) => e.data?.box === 'step' && e.data.title === 'hang: quick');
      const log = quick ? await readFile(join(logDir, 'console.log'), 'utf8').catch(() => '') : '';
      if (quick && new RegExp(`@@tczbox:[0-9a-f]{16} step ${quick.data!.id! + 1}\\b`).test(log)) {
        reachedHangMs = Date.now() - started;
        break;
      }
      await sleep(250);
    }
    const qemuBeforeKill = qemuRunning(logDir);
    cli.kill('SIGTERM');
    const code = await exited;
    return { events: events(), qemuBeforeKill, code, qemuAfterKill: qemuRunning(logDir), logDirAfter: await readdir(logDir).catch(() => []), consoleLog: await readFile(join(logDir, 'console.log'), 'utf8').catch(() => ''), ...(reachedHangMs !== undefined ? { reachedHangMs } : {}) };
  } finally {
    cli.kill('SIGKILL');
  }
}

beforeAll(async () => {
  dir = await testdir(
    {
      ...guestOverlays(await readFile('/usr/bin/true')),
      'recipes/webcheck.yaml': webcheck,
      'recipes/bare.yaml': bare,
      'recipes/linked.yaml': linked,
      'recipes/broken-opt.yaml': brokenOpt,
      'recipes/hang.yaml': hang,
      // the project says where test logs go (log-dir:): the bounded run passes no --log-dir
      'tczbuild.yaml': 'log-dir: log\n',
    },
    { keep: true },
  );
  const deb = join(dir, 'busybox.deb');
  await copyFile(await debianBusyboxDeb(dir), deb);
  await writeFile(join(dir, 'recipes/webd.yaml'), webd(`file://${deb}`, createHash('sha256').update(await readFile(deb)).digest('hex')));
  // A TinyCore 14 box: Debian 12's binaries and the host's glibc 2.36 are what TinyCore 14 runs,
  // so the build gate judges them as the box does (scripts/standin-box.md).
  await runTool(join(repoRoot, 'scripts/make-standin-box.sh'), [join(dir, 'box')], { env: { ...process.env, STANDIN_TC_VERSION: '14.0' } });
  const lint = await tczbuild(['lint'], { cwd: dir });
  expect(lint.code, lint.stdout + lint.stderr).toBe(0);
  const built = await tczbuild(['build', 'linked', 'webd', 'webcheck', '--tc-version', '14'], { cwd: dir });
  expect(built.code, built.stdout + built.stderr).toBe(0);
  bareBuild = await tczbuild(['build', 'bare', '--tc-version', '14', '--json'], { cwd: dir });
  // --no-verify: the gate refuses bare (tcz-elf-interpreter) and broken-opt (tcz-base-dir); the box must show what they do
  const past = await tczbuild(['build', 'bare', 'broken-opt', 'hang', '--tc-version', '14', '--no-verify'], { cwd: dir });
  expect(past.code, past.stdout + past.stderr).toBe(0);
  await inBootLane(async () => {
    guest = await bootAllAndTerminate();
    bounded = await tczbuild(['test', 'hang', '--box', 'box/box.yaml', '--bound', String(bound), '--json'], { cwd: dir });
    // A boot that installs only hang reaches its endless step sooner than the boot above, which
    // installed six extensions first: that boot's time to the step, plus a margin, is a bound
    // that lands inside the step without idling a guest for minutes.
    inStepBound = Math.ceil((guest.reachedHangMs ?? 120_000) / 1000) + 10;
    inStep = await tczbuild(['test', 'hang', '--box', 'box/box.yaml', '--bound', String(inStepBound), '--log-dir', join(dir, 'log-bound-step'), '--json'], { cwd: dir });
  });
}, 1_800_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const step = (title: string): Event['data'] => guest.events.find((e) => e.data?.box === 'step' && e.data.title?.startsWith(title))?.data;
const guestDiagnostics = (): Array<{ id: string; message: string }> => guest.events.filter((e) => e.type === 'diagnostic').map((e) => e.diagnostic!);

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

  it('has the loader only at /lib/ld-linux-x86-64.so.2, no /lib64, and declares the glibc it runs', async () => {
    const listing = execFileSync('sh', ['-c', `zcat "${join(dir, 'box/core.gz')}" | cpio -t --quiet`], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').map((l) => l.replace(/^\.\//, ''));
    expect(listing).toContain('lib/ld-linux-x86-64.so.2');
    expect(listing.filter((l) => l === 'lib64' || l.startsWith('lib64/'))).toEqual([]);
    const box = await readFile(join(dir, 'box/box.yaml'), 'utf8');
    expect(box).toContain('target: { tc-version: "14", arch: x86_64 }');
    expect(box).toMatch(/^glibc: "2\.\d+"$/m);
  });
});

describe('one boot with every fixture installed', () => {
  it('reports exactly what the fixtures break, and nothing about the others', () => {
    expect(guestDiagnostics().map((d) => `${d.id} ${d.message.split('\n')[0]!.split(':')[0]}`)).toEqual([
      // installs come first, then the test: steps (src/box/plan.ts)
      'box-step-failed install bare',
      'box-finding install broken-opt',
      'box-step-failed linked',
      'box-guest-exited interrupted by SIGTERM in step "hang',
    ]);
    // every step of the extensions that are not broken passed
    const steps = guest.events.filter((e) => e.data?.box === 'step').map((e) => e.data!);
    const others = steps.filter((s) => !/^(install )?(bare|broken-opt)\b|^linked: two lines/.test(s.title!));
    // the network, 4 installs, linked's, webd's and webcheck's steps and hang's quick one
    expect(others).toHaveLength(14);
    expect(others.map((s) => `${s.title} ${s.status}`)).toEqual(others.map((s) => `${s.title} pass`));
  });
});

describe('a stand-in box as strict as TinyCore', () => {
  it('build without box-links exits 1 and publishes nothing (tcz-elf-interpreter)', () => {
    expect(bareBuild.code).toBe(1);
    expect(diagnosticsOf(bareBuild).filter((d) => d.severity === 'error').map((d) => d.id)).toEqual(['tcz-elf-interpreter']);
  });

  it('without box-links (built with --no-verify) the box test fails at install, naming the loader', () => {
    expect(step('install bare')).toMatchObject({ status: 'fail', reason: expect.stringContaining('usr/local/bin/dtrue-bare asks for the loader /lib64/ld-linux-x86-64.so.2') });
    expect(step('bare: runs')).toMatchObject({ status: 'skip', reason: expect.stringContaining('asks for the loader /lib64/ld-linux-x86-64.so.2') });
  });

  it('with box-links the same Debian binary installs and runs on the box', () => {
    expect(step('install linked')).toMatchObject({ status: 'pass' });
    expect(step('linked: runs')).toMatchObject({ status: 'pass' });
  });

  it('a two-line expect: fails when only one line is printed', () => {
    expect(step('linked: two lines expected')).toMatchObject({ status: 'fail', reason: 'output lacks: second line' });
    expect(guestDiagnostics().filter((d) => d.id === 'box-step-failed').map((d) => d.message.split('\n')[0])).toContain('linked: two lines expected, one printed: output lacks: second line');
  });
});

describe('a kind: daemon service on the booted box', () => {
  it('keeps its log on the console', () => {
    expect(guest.consoleLog).toContain('webd: running (pid');
  });

  it.each([
    'install webd: tce-load -wi webd (as tc)',
    'install webcheck: tce-load -wi webcheck (as tc)',
    'webd: answers after the install hook started it',
    'webd: runs as tc from the Debian busybox',
    'webd: stop ends it and status says 3',
    'webd: nothing answers once stopped',
    'webd: start serves again and a second start is a no-op',
    'webd: restart gives a new process that answers',
    'webcheck: starting it starts webd first and it fetched from webd while starting',
  ])('%s', (title) => {
    expect(guest.events.find((e) => e.data?.title === title)?.data).toMatchObject({ status: 'pass' });
  });
});

describe('tczbuild test catches broken extensions', () => {
  it('names /opt and its owner and mode before and after installing the extension that took it over', () => {
    const findings = guestDiagnostics().filter((d) => d.id === 'box-finding');
    expect(findings.map((d) => d.message)).toEqual(['install broken-opt: tce-load -wi broken-opt (as tc): /opt was root:staff 0775 before the install and root:root 0755 after it']);
    expect(step('install broken-opt')).toMatchObject({ status: 'fail', findings: [{ path: '/opt', before: 'root:staff:775', after: 'root:root:755' }] });
    // the extension itself installed fine: only the box test notices
    expect(step('install hang: tce-load -wi hang (as tc)')).toMatchObject({ status: 'pass' });
  });
});

describe('tczbuild test under SIGTERM', () => {
  it('stops QEMU and the mirror and exits 143 when tczbuild is terminated mid-step', () => {
    const t = guest;
    expect(t.qemuBeforeKill).toBe(true);
    expect(t.code).toBe(143);
    expect(t.qemuAfterKill).toBe(false);
    // it says it was interrupted, not how QEMU ended, and the result's exit code is the process's
    expect(guestDiagnostics().filter((d) => d.message.startsWith('interrupted')).map((d) => d.message)).toEqual([expect.stringMatching(/^interrupted by SIGTERM in step "hang: sleeps forever"/)]);
    expect(t.events.find((e) => e.type === 'result')?.exitCode).toBe(143);
    expect(step('hang: quick')).toMatchObject({ status: 'pass' });
    expect(t.consoleLog).not.toMatch(/@@tczbox:[0-9a-f]{16} done/);
    // an interrupted run cleans its initrd too: only the console log stays in --log-dir
    expect(t.logDirAfter).toEqual(['console.log']);
  });
});

describe('tczbuild test under --bound', () => {
  it('exits 1 for the bound, not for a box that never started (a missing QEMU is box-no-qemu)', () => {
    expect(bounded.code, bounded.stdout + bounded.stderr).toBe(1);
    expect(diagnosticsOf(bounded).map((d) => d.id), bounded.stderr).toEqual(['box-bound']);
  });

  it('stops the guest at the bound, saying where it was, and keeps the console log where tczbuild.yaml\'s log-dir: says, without the initrd', async () => {
    expect(diagnosticsOf(bounded).map((d) => d.message)).toEqual([`the guest was stopped after ${bound} s before the first step (still booting)`]);
    expect(await readdir(join(dir, 'log'))).toEqual(['console.log']);
    expect(await readFile(join(dir, 'log/console.log'), 'utf8')).not.toMatch(/@@tczbox:[0-9a-f]{16} (step|done)/);
  });

  it('stops a guest inside a step that never ends at the bound, naming that step, after the steps before it passed', async () => {
    expect(guest.reachedHangMs, 'the boot with every fixture never reached hang\'s endless step').toBeDefined();
    expect(inStep.code, inStep.stdout + inStep.stderr).toBe(1);
    expect(diagnosticsOf(inStep).map((d) => [d.id, d.message])).toEqual([['box-bound', `the guest was stopped after ${inStepBound} s in step "hang: sleeps forever"`]]);
    const steps = inStep.events.filter((e) => (e.data as { box?: string } | undefined)?.box === 'step').map((e) => e.data as { title: string; status: string });
    expect(steps.map((s) => [s.title, s.status])).toEqual([
      ['network: default route via 10.0.2.2', 'pass'],
      ['install hang: tce-load -wi hang (as tc)', 'pass'],
      ['hang: quick', 'pass'],
    ]);
    expect(qemuRunning(join(dir, 'log-bound-step'))).toBe(false);
    expect(await readdir(join(dir, 'log-bound-step'))).toEqual(['console.log']);
  });

  it('leaves no QEMU and no mirror server running', async () => {
    expect(qemuRunning(join(dir, 'log'))).toBe(false);
    const boot = bounded.events.find((e) => (e.data as { box?: string } | undefined)?.box === 'boot')!.data as { port: number };
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(boot.port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
