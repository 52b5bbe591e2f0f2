/**
 * Process faults (issue 12, items 7 and 8): Ctrl-C, SIGTERM, SIGHUP, a closed stdout pipe and
 * kill -9 while `tczbuild all` is packing, and out/ being a mount point. A signal (or EPIPE)
 * stops mksquashfs, removes the work directory and out.lock, leaves out/ as it was and exits
 * 130/143/129/141; kill -9 of tczbuild alone takes mksquashfs down with it (its image is left
 * unfinished, not completed by an orphan); a lock file left by a kill while the lock was being
 * taken (`out.lock.PID-hex`) is swept by the next `all`. A bind-mounted out/ is published into
 * (the swap happens inside it), and a kill at each point of that swap is recovered.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sha256Of } from '../faults/helpers/artifacts.js';
import { runCliJson } from '../faults/helpers/run.js';
import { sleep, startCli, type CliProcess } from '../faults/helpers/spawn-cli.js';
import { leftoversBeside, snapshotTree, type TreeSnapshot } from '../faults/helpers/tree-snapshot.js';
import { makeTarGz, type TarEntry } from '../helpers/tarball.js';

let dir: string;
let out: string;
let before: TreeSnapshot;
const info = 'description: Signal fixture\nauthor: Test\noriginal-site: https://example.invalid\ncopying-policy: MIT\n';

/** ~60 MB of word salad: compressible enough that gzip -9 in mksquashfs takes seconds. */
function wordSalad(bytes: number): Buffer {
  const words = Array.from({ length: 4000 }, (_, i) => (i * 2654435761).toString(36).slice(0, 2 + (i % 7)));
  const out = Buffer.alloc(bytes);
  let at = 0;
  let seed = 7;
  while (at < bytes) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    at += out.write(`${words[seed % words.length]} `, at);
  }
  return out;
}

async function recipe(set: string, name: string, content: Buffer | readonly TarEntry[]): Promise<void> {
  const archive = join(dir, 'sources', `${name}.tar.gz`);
  const bytes = await makeTarGz(Buffer.isBuffer(content) ? [{ name: `${name}/data.txt`, content }] : content);
  await mkdir(join(dir, 'sources'), { recursive: true });
  await writeFile(archive, bytes);
  await mkdir(join(dir, set), { recursive: true });
  const source = `sources:\n  - url: ${pathToFileURL(archive).href}\n    sha256: ${sha256Of(bytes)}\n    extract: { strip: 1, into: usr/local/share/${name} }\n`;
  await writeFile(join(dir, set, `${name}.yaml`), `name: ${name}\nversion: "1.0"\n${info}${source}`);
}

const args = (set: string): string[] => ['all', '--recipes', join(dir, set), '--out', out, '--cache', join(dir, 'cache')];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tczbuild-signals-'));
  out = join(dir, 'out');
  await recipe('small', 'small', Buffer.from('small\n'));
  await recipe('big', 'small', Buffer.from('small\n'));
  await recipe('big', 'big', wordSalad(60 * 1024 * 1024));
  // unpacked in process (zlib + tar-stream), file by file, for seconds: no child to kill stops it
  await recipe('wide', 'small', Buffer.from('small\n'));
  await recipe('wide', 'wide', Array.from({ length: 40_000 }, (_, i) => ({ name: `wide/d${i % 100}/f${i}.txt`, content: Buffer.from(`${i}\n`) })));
  const first = await runCliJson(args('small'), dir);
  expect(first.code, first.stderr).toBe(0);
  before = await snapshotTree(out);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

interface Packer {
  readonly pid: number;
  /** The image it writes. */
  readonly image: string;
}

/** Wait until `pid` runs mksquashfs packing an image (not the `-version` probe). */
async function packerOf(pid: number): Promise<Packer> {
  for (;;) {
    for (const entry of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        // a child of tczbuild or of one of the shells it starts programs through (util/spawner.ts)
        if ((ppid === pid || parentOf(ppid) === pid) && argv[0]?.endsWith('mksquashfs') && argv.includes('-noappend')) return { pid: Number(entry), image: argv[2]! };
      } catch {
        // exited while we looked
      }
    }
    await sleep(20);
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Gone, or a zombie nobody reaps: either way it runs no more. */
function stopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function reap(cli: CliProcess, packer: Packer | undefined): void {
  for (const pid of [cli.pid, packer?.pid]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

describe('signals during tczbuild all', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('on %s stops mksquashfs, removes the work dir and the lock, keeps out/ and exits %i', async (signal, code) => {
    const cli = startCli(args('big'), dir);
    let packer: Packer | undefined;
    try {
      packer = await packerOf(cli.pid);
      process.kill(cli.pid, signal);
      const exit = await cli.done;
      expect({ code: exit.code, signal: exit.signal }, exit.stderr).toEqual({ code, signal: null });
      expect(exit.stderr).toContain(`${signal}: stopping, cleaning up`);
      expect(stopped(packer.pid)).toBe(true);
      expect(await leftoversBeside(out)).toEqual([]);
      expect(await snapshotTree(out)).toEqual(before);
    } finally {
      reap(cli, packer);
    }
  }, 120_000);

  it('on SIGINT while a source is still being unpacked in process, waits for the unpacking to stop before removing the work dir and the lock', async () => {
    const cli = startCli([...args('wide'), '--json'], dir);
    try {
      // files are landing in the stage: the unpacking is under way, and goes on for seconds
      const staged = join(dirname(out), `.out.work-${cli.pid}`, 'wide', 'root', 'usr', 'local', 'share', 'wide');
      await vi.waitFor(() => expect(readdirSync(staged).length).toBeGreaterThan(20), { timeout: 60_000, interval: 10 });
      process.kill(cli.pid, 'SIGINT');
      const exit = await cli.done;
      expect({ code: exit.code, signal: exit.signal }, exit.stderr).toEqual({ code: 130, signal: null });
      expect(exit.stderr).not.toContain('cleanup failed');
      // the signal landed mid-stage: the unpacking never reported its end
      expect(exit.stdout).toContain('"stage-start","name":"wide","stage":"stage"');
      expect(exit.stdout).not.toContain('"stage-end","name":"wide","stage":"stage"');
      expect(await leftoversBeside(out), exit.stderr).toEqual([]);
      expect(await snapshotTree(out)).toEqual(before);
    } finally {
      reap(cli, undefined);
    }
  }, 120_000);

  it('cleans up like Ctrl-C when the reader of its stdout goes away (all --json | head -1), exiting 141', async () => {
    const cli = startCli([...args('big'), '--json'], dir);
    let packer: Packer | undefined;
    try {
      packer = await packerOf(cli.pid);
      cli.child.stdout!.destroy(); // the reader is gone: the next event written meets EPIPE
      const exit = await cli.done;
      expect({ code: exit.code, signal: exit.signal }, exit.stderr).toEqual({ code: 141, signal: null });
      expect(exit.stderr).not.toContain('hit a bug');
      expect(stopped(packer.pid)).toBe(true);
      expect(await leftoversBeside(out), exit.stderr).toEqual([]);
      expect(await snapshotTree(out)).toEqual(before);
    } finally {
      reap(cli, packer);
    }
  }, 120_000);

  it('takes mksquashfs down with tczbuild on kill -9, and the next all cleans up and publishes', async () => {
    const cli = startCli(args('big'), dir);
    let packer: Packer | undefined;
    try {
      packer = await packerOf(cli.pid);
      // kill once mksquashfs has begun writing its image, so the kill lands mid-pack
      while (!existsSync(packer.image)) await sleep(10); // the test timeout bounds this
      process.kill(cli.pid, 'SIGKILL'); // tczbuild alone, not its process group
      await cli.done;
      while (!stopped(packer.pid)) await sleep(20); // the test timeout bounds this
      // killed mid-way: an orphan left running would have finished a valid image
      expect(existsSync(packer.image)).toBe(true);
      expect(spawnSync('unsquashfs', ['-s', packer.image]).status).not.toBe(0);
    } finally {
      reap(cli, packer);
    }
    const again = await runCliJson(args('small'), dir);
    expect(again.code, again.stderr).toBe(0);
    expect(await leftoversBeside(out)).toEqual([]);
  }, 120_000);

  it('sweeps an out.lock.PID-hex left by a build killed while taking the lock', async () => {
    const dead = spawnSync('true').pid!;
    await writeFile(`${out}.lock.${dead}-0badc0de`, `${dead}\n`);
    await writeFile(`${out}.lock.takeover.${dead}-0badc0de`, `${dead}\n`);
    const r = await runCliJson(args('small'), dir);
    expect(r.code, r.stderr).toBe(0);
    expect(await leftoversBeside(out)).toEqual([]);
    expect(execFileSync('ls', ['-a', dir], { encoding: 'utf8' })).not.toContain('out.lock');
  });
});

describe('out/ as a mount point', () => {
  let mounted: string;
  let backing: string;
  beforeAll(async () => {
    mounted = join(dir, 'volume');
    backing = await mkdtemp(join(tmpdir(), 'tczbuild-volume-'));
    await mkdir(mounted);
    execFileSync('mount', ['--bind', backing, mounted]);
    await recipe('changed', 'small', Buffer.from('changed\n'));
  });
  afterAll(async () => {
    execFileSync('umount', [mounted]);
    await rm(backing, { recursive: true, force: true });
  });

  const into = (set: string): string[] => ['all', '--recipes', join(dir, set), '--out', mounted, '--cache', join(dir, 'cache')];
  const image = (): string => join(mounted, '11.x/x86_64/tcz/small.tcz');
  const dataOf = (): string => spawnSync('unsquashfs', ['-cat', image(), 'usr/local/share/small/data.txt'], { encoding: 'utf8' }).stdout;
  const scaffolding = (): string[] => readdirSync(mounted).filter((n) => n.startsWith('.tczbuild-publish-'));

  it('publishes into it, first and again, swapping from inside and leaving nothing behind', async () => {
    const first = await runCliJson(into('small'), dir);
    expect(first.code, first.stderr + JSON.stringify(first.diagnostics)).toBe(0);
    expect(dataOf()).toBe('small\n');
    const second = await runCliJson(into('changed'), dir);
    expect(second.code, second.stderr + JSON.stringify(second.diagnostics)).toBe(0);
    expect(dataOf()).toBe('changed\n');
    expect(readdirSync(join(backing, '11.x/x86_64/tcz'))).toContain('small.tcz'); // really on the volume
    expect(scaffolding()).toEqual([]);
    expect(await leftoversBeside(mounted)).toEqual([]);
  }, 120_000);

  /** Lay out what a publish killed at one point of its swap leaves inside out/. */
  async function killedSwap(stage: 'moving-out' | 'moving-in' | 'done'): Promise<void> {
    const scaffold = join(mounted, `.tczbuild-publish-${spawnSync('true').pid!}`);
    await mkdir(join(scaffold, 'old'), { recursive: true });
    const entries = readdirSync(mounted).filter((n) => !n.startsWith('.tczbuild-publish-'));
    for (const e of stage === 'moving-out' ? entries.slice(0, 1) : entries) execFileSync('mv', [join(mounted, e), join(scaffold, 'old', e)]);
    if (stage === 'moving-out') return;
    await writeFile(join(scaffold, 'moved-out'), '');
    if (stage === 'done') {
      // the new tree is in place; a copy of it stands in for it here
      for (const e of readdirSync(join(scaffold, 'old'))) execFileSync('cp', ['-a', join(scaffold, 'old', e), join(mounted, e)]);
      return;
    }
    await mkdir(join(scaffold, 'new', '11.x'), { recursive: true });
    await mkdir(join(mounted, '11.x/x86_64/tcz'), { recursive: true });
    await writeFile(join(mounted, '11.x/x86_64/tcz/small.tcz'), 'half of a new tree');
  }

  it('rolls back from its snapshot after a kill while moving the next tree in file by file, then builds', async () => {
    const good = await snapshotTree(mounted);
    const scaffold = join(mounted, `.tczbuild-publish-${spawnSync('true').pid!}`);
    await mkdir(scaffold);
    // the complete snapshot (hard links, as publish takes it), and a new tree half moved in
    await mkdir(join(scaffold, 'prev'), { mode: statSync(mounted).mode & 0o7777 });
    for (const e of readdirSync(mounted).filter((n) => !n.startsWith('.tczbuild-publish-'))) execFileSync('cp', ['-al', join(mounted, e), join(scaffold, 'prev', e)]);
    execFileSync('mv', [join(scaffold, 'prev'), join(scaffold, 'snapshot')]);
    await mkdir(join(scaffold, 'new', '11.x/x86_64/tcz'), { recursive: true });
    await rm(image());
    await writeFile(image(), 'half of a new tree');
    await writeFile(join(mounted, '11.x/x86_64/tcz/stray.tcz'), 'only in the new tree');
    const r = await runCliJson(into('changed'), dir);
    expect(r.code, r.stderr + JSON.stringify(r.diagnostics)).toBe(0);
    expect(await snapshotTree(mounted)).toEqual(good);
    expect(scaffolding()).toEqual([]);
  }, 120_000);

  it.each(['moving-out', 'moving-in', 'done'] as const)('recovers the previous tree after a kill while %s, then builds', async (stage) => {
    const good = await snapshotTree(mounted);
    await killedSwap(stage);
    const r = await runCliJson(into('changed'), dir);
    expect(r.code, r.stderr + JSON.stringify(r.diagnostics)).toBe(0);
    expect(await snapshotTree(mounted)).toEqual(good);
    expect(scaffolding()).toEqual([]);
  }, 120_000);
});
