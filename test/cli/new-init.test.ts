/**
 * Getting started: `tczbuild init` lays out a project, `tczbuild new NAME --from URL…` downloads
 * release files over real HTTP, records their sha256, proposes extract:/install: from what is
 * inside, and writes a recipe that lint accepts and that builds, with TODOs for the guesses.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlFacts } from '../../src/scaffold/propose.js';
import { tczbuild } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { makeTar, makeTarGz } from '../helpers/tarball.js';
import { testdir } from '../helpers/testdir.js';
import { repoRoot } from '../helpers/readme.js';

let server: FixtureServer;
const files: Record<string, Buffer> = {};
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  files['/releases/v1.2.0/tool-1.2.0-linux-amd64.tar.gz'] = await makeTarGz([
    { name: 'tool-1.2.0/', type: 'directory' },
    { name: 'tool-1.2.0/tool', content: '#!/bin/sh\necho tool 1.2.0\n', mode: 0o755 },
    { name: 'tool-1.2.0/LICENSE', content: 'MIT\n', mode: 0o644 },
  ]);
  files['/private/tool-1.2.0-linux-amd64.tar.gz'] = files['/releases/v1.2.0/tool-1.2.0-linux-amd64.tar.gz'];
  files['/releases/v1.2.0/helper-linux-arm64'] = Buffer.from('#!/bin/sh\necho helper\n');
  files['/fhs/kit-3.1.tar.gz'] = await makeTarGz([
    { name: 'bin/kit', content: '#!/bin/sh\n', mode: 0o755 },
    { name: 'lib/libkit.so', content: 'lib', mode: 0o644 },
    { name: 'doc/README', content: 'doc' },
  ]);
  // The same bin/ lib/ layout as .tar.xz (the real xz) and as .zip (the real zip).
  const kit = [
    { name: 'bin/kit', content: '#!/bin/sh\n', mode: 0o755 },
    { name: 'lib/libkit.so', content: 'lib', mode: 0o644 },
  ];
  files['/fhs/kit-3.2.tar.xz'] = execFileSync('xz', ['-c'], { input: await makeTar(kit) });
  const zipDir = await testdir({ 'bin/kit': '#!/bin/sh\n', 'lib/libkit.so': 'lib' }, { keep: true });
  execFileSync('zip', ['-qr', 'kit.zip', 'bin', 'lib'], { cwd: zipDir });
  files['/fhs/kit-3.3.zip'] = await readFile(join(zipDir, 'kit.zip'));
  await rm(zipDir, { recursive: true, force: true });
  // A small Debian package made by the real dpkg-deb.
  const debDir = await testdir({ 'pkg/DEBIAN/control': 'Package: tczdemo\nVersion: 1.2-3\nArchitecture: amd64\nMaintainer: T <t@example.invalid>\nDescription: demo\n', 'pkg/usr/bin/tczdemo': { content: '#!/bin/sh\necho demo\n', mode: 0o755 } }, { keep: true });
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', join(debDir, 'pkg'), join(debDir, 'demo.deb')], { stdio: 'ignore' });
  files['/debs/tczdemo_1.2-3_amd64.deb'] = await readFile(join(debDir, 'demo.deb'));
  await rm(debDir, { recursive: true, force: true });
  server = await startFixtureServer(Object.fromEntries(Object.entries(files).map(([p, body]) => [p, { body }])));
});
afterAll(() => server?.close());

describe('tczbuild new with credentials in the URL', () => {
  it('downloads with them but never writes the password into the recipe or the output', async () => {
    const dir = await testdir();
    const withPassword = server.url.replace('http://', 'http://builder:S3cretPW@') + '/private/tool-1.2.0-linux-amd64.tar.gz';
    const run = await tczbuild(['new', 'tool', '--from', withPassword], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const recipe = await readFile(join(dir, 'recipes/tool.yaml'), 'utf8');
    expect(recipe).not.toContain('S3cretPW');
    expect(recipe).not.toContain('builder@');
    expect(recipe, recipe).toContain(`${server.url}/private/tool-`);
    expect(run.stdout + run.stderr).not.toContain('S3cretPW');
    expect(run.stdout).toContain('~/.netrc');
  });
});

describe('tczbuild init', () => {
  it('lays out a project and keeps what is already there', async () => {
    const dir = await testdir({ 'proj/.gitignore': 'mine\n' });
    const run = await tczbuild(['init', 'proj'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('kept proj/.gitignore (already there)');
    expect(await readFile(join(dir, 'proj/.gitignore'), 'utf8')).toBe('mine\n');
    for (const f of ['tczbuild.yaml', 'tczbuild.schema.json', 'recipes/recipe.schema.json', 'rootfs-overlays/.gitkeep']) expect(existsSync(join(dir, 'proj', f))).toBe(true);
    const config = await tczbuild(['config'], { cwd: join(dir, 'proj') });
    expect(config.stdout).toMatch(/^targets: 11\.x\/x86_64 +# tczbuild\.yaml:8$/m);
    expect(config.stdout).toMatch(/^cache: \.tczbuild-cache +# tczbuild\.yaml:7$/m);
  });

  it('and new write $schema lines that resolve inside the project to the schemas tczbuild ships', async () => {
    const dir = await testdir();
    expect((await tczbuild(['init', 'proj'], { cwd: dir })).code).toBe(0);
    const proj = join(dir, 'proj');
    // a recipes directory without the schema yet (a project laid out by hand)
    await rm(join(proj, 'recipes/recipe.schema.json'));
    expect((await tczbuild(['new', 'kit', '--from', `${server.url}/fhs/kit-3.1.tar.gz`], { cwd: proj })).code).toBe(0);
    const shipped: Record<string, string> = {
      'tczbuild.schema.json': await readFile(join(repoRoot, 'tczbuild.schema.json'), 'utf8'),
      'recipe.schema.json': await readFile(join(repoRoot, 'recipes/recipe.schema.json'), 'utf8'),
    };
    for (const rel of ['tczbuild.yaml', 'recipes/kit.yaml']) {
      const text = await readFile(join(proj, rel), 'utf8');
      const target = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
      expect(target, rel).toBeDefined();
      const schema = await readFile(join(proj, rel, '..', target!), 'utf8');
      expect(schema, rel).toBe(shipped[basename(target!)]);
    }
  });
});

describe('tczbuild new', () => {
  it('writes a recipe from an archive and a single binary that lints and builds for each arch', async () => {
    const dir = await testdir();
    expect((await tczbuild(['init'], { cwd: dir })).code).toBe(0);
    const tar = `${server.url}/releases/v1.2.0/tool-1.2.0-linux-amd64.tar.gz`;
    const bin = `${server.url}/releases/v1.2.0/helper-linux-arm64`;
    const run = await tczbuild(['new', 'tool', '--from', tar, '--from', bin], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const recipe = await readFile(join(dir, 'recipes/tool.yaml'), 'utf8');
    expect(recipe).toContain('version: "1.2.0"');
    expect(recipe).toContain(`  - url: "${server.url}/releases/v\${version}/tool-\${version}-linux-amd64.tar.gz"`);
    expect(recipe).toContain(`    sha256: ${sha(files['/releases/v1.2.0/tool-1.2.0-linux-amd64.tar.gz']!)}`);
    expect(recipe).toMatch(/arch: \[x86_64\].*\n {4}extract: \{ strip: 1, into: usr\/local\/bin, include: \[tool\] \} +# TODO: the archive also holds 1 other file/);
    expect(recipe).toMatch(/arch: \[aarch64\].*\n {4}install: \{ to: usr\/local\/bin\/tool, mode: "0755" \}/);
    expect(recipe).toMatch(/^copying-policy: TODO +# TODO/m);
    expect(server.requests.filter((r) => r.startsWith('/releases/'))).toHaveLength(2);

    const lint = await tczbuild(['lint', '--target', '11.x/x86_64', '--target', '11.x/aarch64'], { cwd: dir });
    expect(lint.code).toBe(0);
    expect(lint.stderr).toBe('');
    const build = await tczbuild(['all', '--offline', '--target', '11.x/x86_64', '--target', '11.x/aarch64'], { cwd: dir });
    expect(build.code).toBe(0);
    const cat = (t: string): string => execFileSync('unsquashfs', ['-cat', join(dir, 'out', t, 'tcz/tool.tcz'), 'usr/local/bin/tool'], { encoding: 'utf8' });
    expect(cat('11.x/x86_64')).toBe('#!/bin/sh\necho tool 1.2.0\n');
    expect(cat('11.x/aarch64')).toBe('#!/bin/sh\necho helper\n');
  });

  it('proposes into: usr/local with include: for an archive laid out as bin/ lib/, and refuses to overwrite', async () => {
    const dir = await testdir();
    const url = `${server.url}/fhs/kit-3.1.tar.gz`;
    expect((await tczbuild(['new', 'kit', '--from', url], { cwd: dir })).code).toBe(0);
    const recipe = await readFile(join(dir, 'recipes/kit.yaml'), 'utf8');
    expect(recipe).toContain('version: "3.1"');
    expect(recipe).toContain('    extract: { strip: 0, into: usr/local, include: [bin, lib] }');
    const again = await tczbuild(['new', 'kit', '--from', url], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('recipes/kit.yaml exists: pass --force to overwrite it');
  });

  it.each([['tar.xz', 'kit-3.2.tar.xz'], ['zip', 'kit-3.3.zip']])('looks inside a .%s as inside a .tar.gz', async (_format, file) => {
    const dir = await testdir();
    const run = await tczbuild(['new', 'kit', '--from', `${server.url}/fhs/${file}`], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const recipe = await readFile(join(dir, 'recipes/kit.yaml'), 'utf8');
    expect(recipe).toContain('    extract: { strip: 0, into: usr/local, include: [bin, lib] }');
  });

  it('proposes a .deb unpacked as Debian lays it out, with a TODO to narrow it, and the recipe builds', async () => {
    const dir = await testdir();
    const run = await tczbuild(['new', 'tczdemo', '--from', `${server.url}/debs/tczdemo_1.2-3_amd64.deb`], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const recipe = await readFile(join(dir, 'recipes/tczdemo.yaml'), 'utf8');
    expect(recipe).toMatch(/arch: \[x86_64\].*\n {4}extract: \{ strip: 0 \} +# TODO: a Debian package/);
    const build = await tczbuild(['all', '--offline'], { cwd: dir });
    expect(build.code, build.stdout + build.stderr).toBe(0);
    expect(execFileSync('unsquashfs', ['-cat', join(dir, 'out/11.x/x86_64/tcz/tczdemo.tcz'), 'usr/bin/tczdemo'], { encoding: 'utf8' })).toBe('#!/bin/sh\necho demo\n');
  });

  it('reads the project site and author from a GitHub release URL', () => {
    expect(urlFacts('https://github.com/openfaas/faasd/releases/download/0.9.5/faasd')).toEqual({ version: '0.9.5', site: 'https://github.com/openfaas/faasd', author: 'The faasd authors (openfaas)' });
  });
});
