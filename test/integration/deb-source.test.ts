/**
 * Debian packages as sources: a .deb (ar holding data.tar.gz/.xz/.zst) built here with the real
 * dpkg-deb, and Debian's own busybox package, each built into an extension whose files are
 * exactly what `dpkg-deb -x` unpacks from the same file (read back with unsquashfs); extract:
 * paths apply inside data.tar; a wrong hash and an unpack over extract.max-size are refused as for
 * any archive; a cut-short .deb and an ar that is no Debian package are named.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree } from '../helpers/tree-snapshot.js';
import { testdir } from '../helpers/testdir.js';
import { sha256Of } from '../faults/helpers/artifacts.js';
import { projectDirs, runTczbuild, type ProjectDirs } from '../faults/helpers/run.js';

let work: string;
const debs: Record<string, string> = {};

/** A small package tree with an executable, a data file, a relative symlink and a doc. */
async function buildDebs(): Promise<void> {
  const pkg = join(work, 'pkg');
  await mkdir(join(pkg, 'DEBIAN'), { recursive: true });
  await writeFile(join(pkg, 'DEBIAN/control'), 'Package: tczdemo\nVersion: 1.2-3\nArchitecture: amd64\nMaintainer: Tests <t@example.invalid>\nDescription: a demo\n');
  await mkdir(join(pkg, 'usr/bin'), { recursive: true });
  await mkdir(join(pkg, 'usr/share/doc/tczdemo'), { recursive: true });
  await writeFile(join(pkg, 'usr/bin/tczdemo'), '#!/bin/sh\necho demo\n');
  await chmod(join(pkg, 'usr/bin/tczdemo'), 0o755);
  await writeFile(join(pkg, 'usr/share/doc/tczdemo/copyright'), 'MIT\n');
  await symlink('tczdemo', join(pkg, 'usr/bin/tczdemo-alias'));
  for (const z of ['gzip', 'xz', 'zstd']) {
    const out = join(work, `tczdemo-${z}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', `-Z${z}`, '--build', pkg, out], { stdio: 'ignore' });
    debs[z] = out;
  }
  debs.busybox = await debianBusybox();
  await writeFile(join(work, 'cut.deb'), (await readFile(debs.xz!)).subarray(0, 300));
  // 3 MiB of zeros: a few KiB as a .deb, far more unpacked
  const big = join(work, 'bigpkg');
  await mkdir(join(big, 'DEBIAN'), { recursive: true });
  await writeFile(join(big, 'DEBIAN/control'), 'Package: tczbig\nVersion: 1\nArchitecture: amd64\nMaintainer: Tests <t@example.invalid>\nDescription: zeros\n');
  await mkdir(join(big, 'usr/share/tczbig'), { recursive: true });
  await writeFile(join(big, 'usr/share/tczbig/zeros'), Buffer.alloc(3 * 1024 * 1024));
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', big, join(work, 'big.deb')], { stdio: 'ignore' });
  debs.big = join(work, 'big.deb');
  execFileSync('ar', ['rc', join(work, 'plain.a'), join(pkg, 'usr/share/doc/tczdemo/copyright')]);
}

/** Debian's busybox package from the apt cache, else downloaded from the Debian mirror now. */
async function debianBusybox(): Promise<string> {
  const cache = '/var/cache/apt/archives';
  const found = readdirSync(cache).find((f) => /^busybox_.*_amd64\.deb$/.test(f));
  // The cache names hold a literal "%3a" (the epoch's colon), which a file:// URL would decode.
  if (found) {
    await copyFile(join(cache, found), join(work, 'busybox.deb'));
    return join(work, 'busybox.deb');
  }
  execFileSync('apt-get', ['download', 'busybox'], { cwd: work, stdio: 'ignore' });
  const got = readdirSync(work).find((f) => /^busybox_.*\.deb$/.test(f));
  if (!got) throw new Error('apt-get download busybox gave no .deb');
  await copyFile(join(work, got), join(work, 'busybox.deb'));
  return join(work, 'busybox.deb');
}

beforeAll(async () => {
  work = await testdir({}, { keep: true });
  await buildDebs();
}, 120_000);

afterAll(() => {
  if (work) execFileSync('rm', ['-rf', work]);
});

async function project(name: string, debPath: string, extract = '{}'): Promise<ProjectDirs> {
  const p = projectDirs(await testdir());
  await mkdir(p.recipesDir, { recursive: true });
  const sha = sha256Of(await readFile(debPath));
  await writeFile(
    join(p.recipesDir, `${name}.yaml`),
    `name: ${name}\nversion: "1"\ndescription: from a deb\nauthor: Debian\noriginal-site: https://www.debian.org/\ncopying-policy: GPL-2\nsources:\n  - url: file://${debPath}\n    sha256: ${sha}\n    extract: ${extract}\n`,
  );
  return p;
}

async function imageTree(p: ProjectDirs, name: string): Promise<Record<string, unknown>> {
  const dir = join(p.dir, 'unpacked');
  execFileSync('unsquashfs', ['-q', '-n', '-d', dir, join(p.outDir, '11.x/x86_64/tcz', `${name}.tcz`)]);
  return filesOnly(await snapshotTree(dir));
}

async function dpkgTree(deb: string): Promise<Record<string, unknown>> {
  const dir = join(await testdir(), 'x');
  execFileSync('dpkg-deb', ['-x', deb, dir]);
  return filesOnly(await snapshotTree(dir));
}

/** Files and symlinks with type, mode, size and sha256: directories differ only in the base system's owners. */
function filesOnly(tree: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(tree).filter(([, v]) => !v.startsWith('dir')));
}

describe('.deb sources', () => {
  it.each(['gzip', 'xz', 'zstd'])('a .deb with data.tar compressed by %s builds into exactly the files dpkg-deb -x gives', async (z) => {
    const p = await project('tczdemo', debs[z]!);
    const r = await runTczbuild(p, ['all']);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    const image = await imageTree(p, 'tczdemo');
    expect(image).toEqual(await dpkgTree(debs[z]!));
    expect(Object.keys(image).sort()).toEqual(['usr/bin/tczdemo', 'usr/bin/tczdemo-alias', 'usr/share/doc/tczdemo/copyright']);
  });

  it("Debian's own busybox package builds into exactly the files dpkg-deb -x gives", async () => {
    const p = await project('busybox', debs.busybox!);
    // --no-verify: Debian's busybox asks for /lib64/ld-linux-x86-64.so.2 and GLIBC_2.34, which
    // the build gate rightly refuses for TinyCore 11; this test is about the unpacked bytes
    const r = await runTczbuild(p, ['all', '--no-verify']);
    expect(r.diagnostics).toEqual([]);
    const image = await imageTree(p, 'busybox');
    expect(image).toEqual(await dpkgTree(debs.busybox!));
    expect(image['bin/busybox']).toMatch(/^file 755 /);
  });

  it('extract: strip, include and into apply to the paths inside data.tar', async () => {
    const p = await project('tczdemo', debs.xz!, '{ strip: 1, include: [bin/tczdemo], into: usr/local }');
    const r = await runTczbuild(p, ['all']);
    expect(r.diagnostics).toEqual([]);
    const image = await imageTree(p, 'tczdemo');
    expect(Object.keys(image)).toEqual(['usr/local/bin/tczdemo']);
  });

  it('goes through the same verified, capped extraction as other archives: a wrong sha256 and an unpack over extract.max-size are refused, nothing published', async () => {
    const bomb = await project('tczbig', debs.big!, '{ max-size: 1MiB }');
    const r = await runTczbuild(bomb, ['all']);
    expect(r.code).toBe(1);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['unpack-too-large']);
    expect(existsSync(join(bomb.outDir, '11.x/x86_64/tcz/tczbig.tcz'))).toBe(false);
    const roomy = await project('tczbig', debs.big!, '{ max-size: 4MiB }');
    expect((await runTczbuild(roomy, ['all'])).diagnostics).toEqual([]);

    const wrong = await project('tczdemo', debs.gzip!);
    const recipe = join(wrong.recipesDir, 'tczdemo.yaml');
    await writeFile(recipe, (await readFile(recipe, 'utf8')).replace(sha256Of(await readFile(debs.gzip!)), sha256Of(await readFile(debs.xz!))));
    const w = await runTczbuild(wrong, ['all']);
    expect(w.code).toBe(1);
    expect(w.diagnostics.map((d) => d.id)).toEqual(['checksum-mismatch']);
    expect(existsSync(join(wrong.outDir, '11.x/x86_64/tcz/tczdemo.tcz'))).toBe(false);
  });

  it('a .deb cut short and an ar archive that is not a Debian package are named, and nothing is published', async () => {
    const cut = await project('cut', join(work, 'cut.deb'));
    const r = await runTczbuild(cut, ['all']);
    expect(r.code).not.toBe(0);
    expect(r.diagnostics.map((d) => [d.id, d.message])).toEqual([['archive-corrupt', expect.stringContaining('cannot read the deb archive: not a readable Debian package: member "control.tar.xz" claims')]]);
    expect(existsSync(join(cut.outDir, '11.x/x86_64/tcz/cut.tcz'))).toBe(false);

    const plain = await project('plain', join(work, 'plain.a'));
    const q = await runTczbuild(plain, ['all']);
    expect(q.diagnostics.map((d) => [d.id, d.message])).toEqual([['archive-unsupported-format', expect.stringContaining('is a ar (not a Debian package) archive')]]);
  });
});
