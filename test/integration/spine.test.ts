/**
 * The spine, end to end: fixture sources over real HTTP → `tczbuild all` → a tce mirror whose
 * images, ownership, md5 files and companions are what a TinyCore box needs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { snapshotTree } from '../helpers/tree-snapshot.js';
import { createSpineProject, type SpineProject } from './helpers/spine-project.js';

const tcz = 'out/11.x/x86_64/tcz';
let p: SpineProject;
const env = { SOURCE_DATE_EPOCH: '1600000000' };
const build = (...args: string[]) => tczbuild(['all', '--cache', 'cache', '--json', ...args], { cwd: p.dir, env });

beforeAll(async () => {
  p = await createSpineProject();
  const first = await build();
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
});
afterAll(() => p?.close());

function lln(file: string): string[] {
  return execFileSync('unsquashfs', ['-lln', join(p.dir, tcz, file)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d /, ' ').replace(/\s+/g, ' '))
    // A directory's size is squashfs bookkeeping, not something the recipe declares.
    .map((l) => (l.startsWith('d') ? l.replace(/^(\S+ \S+) \d+ /, '$1 - ') : l));
}

describe('tczbuild all', () => {
  it('packs exactly the declared tree with the declared modes and owners', () => {
    expect(lln('base.tcz')).toEqual([
      'drwxr-xr-x 0/0 - squashfs-root',
      'drwxr-xr-x 0/0 - squashfs-root/usr',
      'drwxr-xr-x 0/0 - squashfs-root/usr/local',
      'drwxr-xr-x 0/0 - squashfs-root/usr/local/bin',
      '-rwxr-xr-x 0/0 27 squashfs-root/usr/local/bin/basetool',
      'lrwxrwxrwx 0/0 8 squashfs-root/usr/local/bin/bt -> basetool',
      '-rwxr-xr-x 0/0 22 squashfs-root/usr/local/bin/helper',
      '-rwxr-xr-x 0/0 10 squashfs-root/usr/local/bin/overlay-tool',
      'drwxr-xr-x 0/0 - squashfs-root/usr/local/etc',
      '-rw-r--r-- 0/0 7 squashfs-root/usr/local/etc/base.conf',
      'drwxr-xr-x 0/0 - squashfs-root/usr/local/lib',
      '-rw-r----- 0/50 70000 squashfs-root/usr/local/lib/data.bin',
      'drwxr-xr-x 0/0 - squashfs-root/usr/local/share',
      'drwxr-xr-x 0/0 - squashfs-root/usr/local/share/base',
    ]);
  });

  it('writes a squashfs with 4 KiB blocks and gzip, as TinyCore reads it', () => {
    const sb = execFileSync('unsquashfs', ['-s', join(p.dir, tcz, 'base.tcz')], { encoding: 'utf8' });
    expect(sb).toMatch(/Block size 4096/);
    expect(sb).toMatch(/Compression gzip/);
    expect(sb).toMatch(/Xattrs are not stored/);
  });

  it('loop-mounts read-only and gives back the source bytes', async () => {
    const mnt = await mkdtemp(join(tmpdir(), 'tczbuild-mnt-'));
    execFileSync('mount', ['-t', 'squashfs', '-o', 'loop,ro', join(p.dir, tcz, 'app.tcz'), mnt]);
    try {
      expect(await readFile(join(mnt, 'usr/local/bin/app'))).toEqual(p.sources.app);
    } finally {
      execFileSync('umount', [mnt]);
      await rm(mnt, { recursive: true });
    }
  });

  it('writes md5 files that md5sum -c accepts in the mirror directory', () => {
    for (const name of ['base', 'app', 'solo']) {
      expect(execFileSync('md5sum', ['-c', `${name}.tcz.md5.txt`], { cwd: join(p.dir, tcz), encoding: 'utf8' })).toBe(`${name}.tcz: OK\n`);
    }
  });

  it('writes .dep, .info and .list as TinyCore parses them', async () => {
    const read = (f: string) => readFile(join(p.dir, tcz, f), 'utf8');
    await expect(read('app.tcz.dep')).resolves.toBe('base.tcz\niptables.tcz\n');
    await expect(read('base.tcz.dep')).rejects.toThrow(/ENOENT/);
    await expect(read('base.tcz.list')).resolves.toMatchFileSnapshot('golden/spine/base.tcz.list');
    await expect(read('base.tcz.info')).resolves.toMatchFileSnapshot('golden/spine/base.tcz.info');
    await expect(read('app.tcz.info')).resolves.toMatchFileSnapshot('golden/spine/app.tcz.info');
  });

  it('records provenance beside each image', async () => {
    const prov = JSON.parse(await readFile(join(p.dir, tcz, 'app.tcz.build.json'), 'utf8')) as Record<string, unknown>;
    expect(prov).toMatchObject({ name: 'app', version: '2.0', sourceDateEpoch: 1600000000, sources: [{ id: 'app', url: `${p.server.url}/app` }] });
  });

  it('builds byte-identical images under another umask, cache and output directory', async () => {
    const old = process.umask(0o077);
    try {
      const again = await tczbuild(['all', '--cache', 'cache2', '--out', 'out2'], { cwd: p.dir, env });
      expect(again.code).toBe(0);
    } finally {
      process.umask(old);
    }
    for (const name of ['base', 'app', 'solo']) {
      const a = await readFile(join(p.dir, tcz, `${name}.tcz`));
      const b = await readFile(join(p.dir, 'out2/11.x/x86_64/tcz', `${name}.tcz`));
      expect(b.equals(a)).toBe(true);
    }
  });

  it('rebuilds nothing and writes nothing when nothing changed', async () => {
    const before = await snapshotTree(join(p.dir, 'out'));
    const run = await build();
    expect(run.code).toBe(0);
    expect(run.events.filter((e) => e.type === 'rebuild')).toEqual([]);
    expect(run.events.filter((e) => e.type === 'skip').map((e) => e.name)).toEqual(['base', 'app', 'solo']);
    expect(await snapshotTree(join(p.dir, 'out'))).toEqual(before);
  });

  it('refuses a hash mismatch with the recipe position and leaves out/ as it was', async () => {
    const before = await snapshotTree(join(p.dir, 'out'));
    p.server.route('/base-1.0.tar.gz', { body: Buffer.from('tampered') });
    // A fresh cache, so the upstream bytes are fetched (and found wrong) rather than reused.
    const run = await tczbuild(['all', '--force', '--cache', 'cache-fresh', '--json'], { cwd: p.dir, env });
    p.server.route('/base-1.0.tar.gz', { body: p.sources.base });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run)).toEqual([expect.objectContaining({ id: 'checksum-mismatch', file: 'recipes/base.yaml', line: 12, col: 13 })]);
    expect(await snapshotTree(join(p.dir, 'out'))).toEqual(before);
  });

  it('after a source change rebuilds that extension and its dependants only, and says why', async () => {
    await p.bumpBase('v2');
    const run = await build();
    expect(run.code).toBe(0);
    const rebuilt = run.events.filter((e) => e.type === 'rebuild');
    expect(rebuilt.map((e) => e.name)).toEqual(['base', 'app']);
    expect(rebuilt[0]?.reasons).toEqual(expect.arrayContaining(['recipe changed', 'source base-1.0.tar.gz changed']));
    expect(rebuilt[1]?.reasons).toEqual(['dependency base changed']);
    expect(run.events.filter((e) => e.type === 'skip').map((e) => e.name)).toEqual(['solo']);
    const out = execFileSync('unsquashfs', ['-cat', join(p.dir, tcz, 'base.tcz'), 'usr/local/bin/basetool'], { encoding: 'utf8' });
    expect(out).toContain('basetool v2');
    const manifest = run.events.find((e) => e.type === 'manifest') as { files: Array<{ path: string; md5: string }> };
    expect(manifest.files.map((f) => f.path)).toContain('11.x/x86_64/tcz/base.tcz');
  });

  it('explain says what would rebuild and why, without building', async () => {
    const clean = await tczbuild(['explain', '--json'], { cwd: p.dir, env });
    expect(clean.events.filter((e) => e.type === 'rebuild')).toEqual([]);
    await rm(join(p.dir, tcz, 'solo.tcz'));
    const run = await tczbuild(['explain', '--cache', 'cache', '--json'], { cwd: p.dir, env });
    // The build that published solo also kept it in the output cache, so a rebuild would come from there.
    expect(run.events.filter((e) => e.type === 'rebuild')).toEqual([expect.objectContaining({ type: 'rebuild', name: 'solo', reasons: ['its published files are missing'], cache: 'local cache' })]);
    expect(await readFile(join(p.dir, tcz, 'solo.tcz.md5.txt'), 'utf8')).toMatch(/solo\.tcz/);
  });
});
