/**
 * Every archive format people ship, unpacked by a real build: .tar.xz, .tar.bz2 and .tar.zst made
 * by the real xz, bzip2 and zstd, .zip made by Info-ZIP's zip (with a symlink and an executable),
 * each detected from its bytes (the URLs carry no telling suffix). The image is read back with
 * unsquashfs. Also: a zip that climbs out is refused like a tar, the unpack cap gives way when the
 * recipe raises it, an empty meta-extension publishes once acknowledged, and a full disk while
 * staging is named as such (a real 1 MiB tmpfs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { noise, sha256Of } from '../faults/helpers/artifacts.js';
import { projectDirs, runTczbuild, type ProjectDirs } from '../faults/helpers/run.js';
import { filesUnder } from '../faults/helpers/tree-snapshot.js';

let server: FixtureServer;
const served: Record<string, Buffer> = {};
const payload = noise(40_000);

/** A tree with an executable, a data file and a relative symlink, archived by the real tools. */
async function makeArchives(): Promise<void> {
  const work = await testdir({}, { keep: true });
  const tree = join(work, 'pkg-1.0');
  await mkdir(join(tree, 'bin'), { recursive: true });
  await writeFile(join(tree, 'bin', 'tool'), '#!/bin/sh\necho tool\n');
  await chmod(join(tree, 'bin', 'tool'), 0o755);
  await writeFile(join(tree, 'data.bin'), payload);
  await symlink('bin/tool', join(tree, 'tool-link'));
  const tar = execFileSync('tar', ['-C', work, '--owner=0', '--group=0', '-cf', '-', 'pkg-1.0']);
  served['/a/xz'] = execFileSync('xz', ['-c'], { input: tar });
  served['/a/bz2'] = execFileSync('bzip2', ['-c'], { input: tar });
  served['/a/zst'] = execFileSync('zstd', ['-c', '-q'], { input: tar });
  execFileSync('zip', ['-q', '-r', '-y', join(work, 'pkg.zip'), 'pkg-1.0'], { cwd: work });
  served['/a/zip'] = await readFile(join(work, 'pkg.zip'));
  // Python's zipfile writes the names it is given, "../" included.
  execFileSync('python3', ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nz.writestr("pkg-1.0/ok","fine\\n")\nz.writestr("pkg-1.0/../../etc/evil","pwned\\n")\nz.close()', join(work, 'evil.zip')]);
  served['/a/evil-zip'] = await readFile(join(work, 'evil.zip'));
  served['/a/zeros'] = execFileSync('gzip', ['-c'], { input: execFileSync('tar', ['-C', work, '-cf', '-', '--transform', 's,^,zeros/,S', 'pkg-1.0']) });
  execFileSync('rm', ['-rf', work]);
}

beforeAll(async () => {
  await makeArchives();
  server = await startFixtureServer(Object.fromEntries(Object.entries(served).map(([k, body]) => [k, { body }])));
});
afterAll(async () => server?.close());

const head = `version: "1.0"
description: Archive formats
author: Test
original-site: https://example.invalid
copying-policy: MIT
`;

async function project(name: string, body: string): Promise<ProjectDirs> {
  const p = projectDirs(await testdir());
  await mkdir(p.recipesDir, { recursive: true });
  await writeFile(join(p.recipesDir, `${name}.yaml`), `name: ${name}\n${head}${body}`);
  return p;
}

const source = (path: string, into: string, extra = ''): string =>
  `  - url: ${server.url}${path}\n    sha256: ${sha256Of(served[path]!)}\n    extract: { strip: 1, into: ${into}${extra} }\n`;

/** The published image, unpacked with the real unsquashfs. */
async function unpacked(p: ProjectDirs, name: string): Promise<string> {
  const dir = join(p.dir, 'unpacked');
  execFileSync('unsquashfs', ['-q', '-n', '-d', dir, join(p.outDir, '11.x/x86_64/tcz', `${name}.tcz`)]);
  return dir;
}

describe('archive formats', () => {
  it('unpacks .tar.xz, .tar.bz2, .tar.zst and .zip, each recognised from its bytes', async () => {
    const p = await project('formats', `sources:\n${['xz', 'bz2', 'zst', 'zip'].map((f) => source(`/a/${f}`, `usr/local/${f}`)).join('')}`);
    const r = await runTczbuild(p, ['all']);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    const root = await unpacked(p, 'formats');
    for (const f of ['xz', 'bz2', 'zst', 'zip']) {
      const base = join(root, 'usr/local', f);
      expect(await readFile(join(base, 'data.bin'))).toEqual(payload);
      expect(await readFile(join(base, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\necho tool\n');
      expect((await stat(join(base, 'bin/tool'))).mode & 0o777).toBe(0o755);
      expect((await stat(join(base, 'data.bin'))).mode & 0o777).toBe(0o644);
      expect(await readlink(join(base, 'tool-link'))).toBe('bin/tool');
    }
    const list = await readFile(join(p.outDir, '11.x/x86_64/tcz/formats.tcz.list'), 'utf8');
    expect(list).toContain('usr/local/zip/tool-link\n');
  });

  it('refuses a zip entry that climbs out of the stage, like a tar one', async () => {
    const p = await project('evilzip', `sources:\n${source('/a/evil-zip', 'usr/local/share')}`);
    const r = await runTczbuild(p, ['all']);
    expect(r.code).toBe(1);
    expect(r.diagnostics).toEqual([expect.objectContaining({ id: 'archive-unsafe-entry', file: 'recipes/evilzip.yaml', line: 8, message: expect.stringMatching(/contains "\.\."/) })]);
    expect(existsSync('/etc/evil')).toBe(false);
    expect(await filesUnder(p.outDir).catch(() => [])).toEqual([]);
  });

  it('builds past the default-or-lowered unpack cap once the recipe raises it', async () => {
    const low = await project('capped', `sources:\n${source('/a/zeros', 'usr/local/share', ', max-size: 1KiB')}`);
    const refused = await runTczbuild(low, ['all']);
    expect(refused.diagnostics.map((d) => d.id)).toEqual(['unpack-too-large']);
    expect(refused.diagnostics[0]!.message).toMatch(/over the limit of 1024 bytes/);
    const raised = await project('capped', `sources:\n${source('/a/zeros', 'usr/local/share', ', max-size: 1MiB')}`);
    const r = await runTczbuild(raised, ['all']);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('publishes a files-less meta-extension only when the recipe says allow-empty', async () => {
    const body = 'depends: [iptables]\ndirectories: [{ path: usr/local/share/meta }]\n';
    const refused = await runTczbuild(await project('meta', body), ['all']);
    expect(refused.diagnostics.map((d) => d.id)).toEqual(['extension-empty']);
    expect(refused.code).toBe(1);
    const p = await project('meta', `allow-empty: true\n${body}`);
    const r = await runTczbuild(p, ['all']);
    expect(r.code).toBe(0);
    expect(await readFile(join(p.outDir, '11.x/x86_64/tcz/meta.tcz.dep'), 'utf8')).toBe('iptables.tcz\n');
  });

  it('names a full disk while unpacking as such, on a real 1 MiB tmpfs holding out/', async () => {
    // A 4 MiB file (a few hundred bytes as .tar.xz) cannot fit a 1 MiB filesystem.
    const work = await testdir({ 'pkg/big.bin': Buffer.alloc(4 * 1024 * 1024, 1) });
    execFileSync('tar', ['-C', work, '-cJf', join(work, 'big.tar.xz'), 'pkg']);
    served['/a/big'] = await readFile(join(work, 'big.tar.xz'));
    server.route('/a/big', { body: served['/a/big'] });
    const p = await project('big', `sources:\n${source('/a/big', 'usr/local/share')}`);
    const small = join(p.dir, 'small');
    await mkdir(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      const r = await runTczbuild({ ...p, outDir: join(small, 'out') }, ['all']);
      expect(r.code).toBe(1);
      expect(r.diagnostics).toEqual([expect.objectContaining({ id: 'stage-no-space', file: 'recipes/big.yaml', line: 8, message: expect.stringMatching(/no space left on the device while unpacking "pkg\/big\.bin".*ENOSPC/) })]);
      expect(await filesUnder(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
