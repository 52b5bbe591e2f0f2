/**
 * A scratch TinyCore-like root for running generated init scripts against real daemons: a
 * directory with static BusyBox as /bin/sh and its applets, the host's /usr/lib bound in for
 * dynamically linked programs, /proc, /sys and /dev, and .tcz images loop-mounted at
 * /tmp/tcloop/NAME and linked into / with `cp -ais` as tce-load does. Everything is mounted in
 * a private mount namespace held open by one process, so killing it undoes every mount.
 */
import { copyFile, chmod, mkdir, readFile, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { busybox } from './sandbox.js';

export interface StepResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TceRoot {
  readonly root: string;
  /** Run a command inside the chroot, inside the namespace. */
  exec(args: readonly string[], timeoutMs?: number): Promise<StepResult>;
  /** Loop-mount R/tmp/NAME.tcz, link it into / (yes n | cp -ais) and run its install hook. */
  load(name: string): Promise<StepResult>;
  /** Stop what the pidfiles name, drop the namespace (and with it every mount). */
  close(): Promise<void>;
}

export async function makeTceRoot(root: string): Promise<TceRoot> {
  for (const d of ['bin', 'usr/lib', 'usr/lib64', 'proc', 'sys', 'dev', 'tmp/tcloop', 'run', 'var/run', 'var/log', 'etc']) await mkdir(join(root, d), { recursive: true });
  await mkdir(join(root, 'usr/local/tce.installed'), { recursive: true, mode: 0o775 });
  await chmod(join(root, 'tmp'), 0o1777);
  await symlink('usr/lib', join(root, 'lib'));
  await symlink('usr/lib64', join(root, 'lib64'));
  await symlink('bin', join(root, 'sbin'));
  await copyFile(busybox, join(root, 'bin/busybox'));
  await chmod(join(root, 'bin/busybox'), 0o755);
  const { stdout } = await execa(busybox, ['--list']);
  for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox')) await symlink('busybox', join(root, 'bin', applet));

  const holder = startHolder(root);
  await waitForLine(holder, 'READY');
  const pid = holder.pid!;
  const env = { PATH: '/bin:/usr/bin', HOME: '/', LANG: 'C' };
  const exec = async (args: readonly string[], timeoutMs = 60_000): Promise<StepResult> => {
    const r = await execa('nsenter', ['-t', String(pid), '-m', '--', '/usr/sbin/chroot', root, ...args], { env, extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore' });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  return {
    root,
    exec,
    async load(name) {
      await mkdir(join(root, 'tmp/tcloop', name), { recursive: true });
      const mnt = await execa('nsenter', ['-t', String(pid), '-m', '--', '/usr/bin/mount', '-t', 'squashfs', '-o', 'loop,ro', join(root, 'tmp', `${name}.tcz`), join(root, 'tmp/tcloop', name)], { reject: false });
      if (mnt.exitCode !== 0) return { code: mnt.exitCode ?? -1, stdout: String(mnt.stdout), stderr: String(mnt.stderr) };
      const link = await exec(['/bin/sh', '-c', `yes n | cp -ais /tmp/tcloop/${name}/* / 2>/dev/null; true`]);
      if (link.code !== 0) return link;
      return exec([`/usr/local/tce.installed/${name}`]);
    },
    async close() {
      for (const pidfile of await readdir(join(root, 'var/run')).catch(() => [])) {
        const text = await readFile(join(root, 'var/run', pidfile), 'utf8').catch(() => '');
        const n = Number(text.trim());
        if (Number.isInteger(n) && n > 1) killQuietly(n);
      }
      killQuietly(pid);
      await holder.catch(() => undefined);
    },
  };
}

function startHolder(root: string): ResultPromise {
  const script = [
    'set -e',
    `R='${root}'`,
    'mount -t proc proc "$R/proc"',
    'mount -t sysfs sysfs "$R/sys"',
    'mount --bind /dev "$R/dev"',
    'mount --bind /usr/lib "$R/usr/lib"',
    '[ -d /usr/lib64 ] && mount --bind /usr/lib64 "$R/usr/lib64"',
    'echo READY',
    'exec sleep 3600',
  ].join('\n');
  return execa('unshare', ['-m', '--propagation', 'private', '/bin/sh', '-c', script], { reject: false, stdin: 'ignore', buffer: false });
}

async function waitForLine(p: ResultPromise, line: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    let err = '';
    p.stdout?.on('data', (c: Buffer) => {
      seen += c.toString();
      if (seen.split('\n').includes(line)) resolve();
    });
    p.stderr?.on('data', (c: Buffer) => void (err += c.toString()));
    void p.then(() => reject(new Error(`namespace holder exited before ${line}: ${err}`)));
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
