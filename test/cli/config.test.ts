/**
 * tczbuild.yaml: its keys steer every recipe-driven command, flags override them, paths in it
 * are relative to the file (found from a subdirectory too), `tczbuild config` says where each
 * value came from, and a bad file is an error at its line.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/schema.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';

const tool = '#!/bin/sh\necho tool\n';
const sha = createHash('sha256').update(tool).digest('hex');
const recipe = `name: tool
version: "1.0"
description: A tool
author: A
original-site: https://example.invalid
copying-policy: MIT
sources:
  - url: http://127.0.0.1:9/nowhere/tool.sh
    sha256: ${sha}
    install: { to: usr/local/bin/tool, mode: "0755" }
`;
const config = `# where things are
recipes: src/recipes
out: public
cache: .cache
targets: [15.x/x86_64]
source-mirrors: [vendor]
`;
/** Appended where a test needs an upstream (as line 7); all would fetch its indexes. */
const upstreamLine = 'upstream: http://127.0.0.1:9/tinycorelinux/\n';

async function project(): Promise<string> {
  return testdir({ 'tczbuild.yaml': config, 'src/recipes/tool.yaml': recipe, 'vendor/tool.sh': tool, 'sub/dir/.keep': '' });
}

describe('tczbuild.yaml', () => {
  it('steers all: recipes, out, cache, targets and source mirrors from the file, also from a subdirectory', async () => {
    const dir = await project();
    const run = await tczbuild(['all', '--offline'], { cwd: join(dir, 'sub/dir') });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, 'public/15.x/x86_64/tcz/tool.tcz'))).toBe(true);
    expect(await readFile(join(dir, 'public/15.x/x86_64/tcz/md5.db'), 'utf8')).toContain('tool.tcz');
    expect(existsSync(join(dir, '.cache'))).toBe(true);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('merges the indexes of its upstream: mirror into the published ones', async () => {
    const md5db = gzipSync('0123456789abcdef0123456789abcdef  iptables.tcz\n');
    const server = await startFixtureServer({ '/tc/15.x/x86_64/tcz/md5.db.gz': { body: md5db } });
    try {
      const dir = await project();
      await writeFile(join(dir, 'tczbuild.yaml'), `${config}upstream: ${server.url}/tc/\n`);
      const run = await tczbuild(['all', '--offline'], { cwd: dir });
      expect(run.code).toBe(0);
      expect(server.requests).toContain('/tc/15.x/x86_64/tcz/md5.db.gz');
      expect(await readFile(join(dir, 'public/15.x/x86_64/tcz/md5.db'), 'utf8')).toContain('iptables.tcz');
    } finally {
      await server.close();
    }
  });

  it('gives way to flags', async () => {
    const dir = await project();
    const run = await tczbuild(['all', '--offline', '--out', 'elsewhere', '--target', '16.x/x86_64'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, 'elsewhere/16.x/x86_64/tcz/tool.tcz'))).toBe(true);
    expect(existsSync(join(dir, 'public'))).toBe(false);
  });

  it('`tczbuild config` prints each effective value and its origin', async () => {
    const dir = await project();
    await writeFile(join(dir, 'tczbuild.yaml'), config + upstreamLine);
    const run = await tczbuild(['config', '--out', 'x'], { cwd: dir, env: { XDG_CACHE_HOME: '' } });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').map((l) => l.replace(/ {2,}/g, '  '));
    expect(lines).toEqual(
      expect.arrayContaining([
        '# from tczbuild.yaml',
        'recipes: src/recipes  # tczbuild.yaml:2',
        'out: x  # --out',
        'cache: .cache  # tczbuild.yaml:4',
        'targets: 15.x/x86_64  # tczbuild.yaml:5',
        'source-mirrors: vendor  # tczbuild.yaml:6',
        'upstream: http://127.0.0.1:9/tinycorelinux/  # tczbuild.yaml:7',
        'registry-mirrors: (none)  # default',
      ]),
    );
    const json = await tczbuild(['config', '--json'], { cwd: dir });
    const result = json.events.at(-1) as { settings: Record<string, { value: unknown; origin: string }> };
    expect(result.settings.out).toEqual({ value: join(dir, 'public'), origin: 'tczbuild.yaml:3' });
    expect(result.settings.targets).toEqual({ value: [{ tcVersion: '15', arch: 'x86_64' }], origin: 'tczbuild.yaml:5' });
  });

  it('gives serve its out: and upstream:', async () => {
    const dir = await project();
    await writeFile(join(dir, 'tczbuild.yaml'), config + upstreamLine);
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'public'));
    const run = await tczbuild(['serve', '--print-nginx-config'], { cwd: join(dir, 'sub/dir') });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`root ${join(dir, 'public')};`);
    expect(run.stdout).toContain('rewrite ^ /tinycorelinux$uri break;');
    expect(run.stdout).toContain('proxy_pass http://127.0.0.1:9;');
  });

  it('gives all and config its remote-cache:', async () => {
    const server = await startFixtureServer();
    try {
      const dir = await project();
      await writeFile(join(dir, 'tczbuild.yaml'), `${config}remote-cache: http://user:secret@${new URL(server.url).host}/bazel/\n`);
      const shown = await tczbuild(['config'], { cwd: dir });
      expect(shown.stdout).toMatch(/^remote-cache: http:\/\/\S*127\.0\.0\.1:\d+\/bazel\/ +# tczbuild\.yaml:7$/m);
      expect(shown.stdout).not.toContain('secret');
      expect((await tczbuild(['all', '--offline'], { cwd: dir })).code).toBe(0);
      expect(server.requests.some((r) => r.startsWith('/bazel/ac/'))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('never prints a password from a source mirror, the upstream or the registry mirrors, plain or --json', async () => {
    const dir = await project();
    await writeFile(join(dir, 'tczbuild.yaml'), `${config.replace('source-mirrors: [vendor]', 'source-mirrors: [https://alice:s3cret-a@mirror.example/src/]')}registry-mirrors: { docker.io: "http://rob:s3cret-r@127.0.0.1:5000" }\n`);
    const env = { TCZBUILD_UPSTREAM: 'https://bob:s3cret-u@repo.example/' };
    for (const args of [['config'], ['config', '--json']]) {
      const run = await tczbuild(args, { cwd: dir, env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).not.toMatch(/s3cret/);
      expect(run.stdout).toContain('https://***@mirror.example/src/');
      expect(run.stdout).toContain('https://***@repo.example/');
    }
  });

  it('refuses an unknown key or a bad target at its line', async () => {
    const dir = await testdir({ 'tczbuild.yaml': 'recipes: r\ntargets: [15.x/amd64]\nmirrors: []\n' });
    const run = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run)).toEqual([
      expect.objectContaining({ id: 'config-invalid', file: 'tczbuild.yaml', line: 2, message: expect.stringContaining('VERSION.x/ARCH') }),
      expect.objectContaining({ id: 'config-invalid', file: 'tczbuild.yaml', line: 3, message: 'unknown key "mirrors" in tczbuild.yaml' }),
    ]);
  });

  it('is described by the committed tczbuild.schema.json, which an editor validator applies', async () => {
    const committed = JSON.parse(await readFile(join(import.meta.dirname, '../../tczbuild.schema.json'), 'utf8')) as object;
    expect(committed).toEqual(configJsonSchema());
    const validate = new Ajv2020({ strict: false }).compile(committed);
    expect(validate(parse(config))).toBe(true);
    expect(validate({ targets: ['15.x/amd64'] })).toBe(false);
    expect(validate({ 'registry-mirrors': { 'docker.io': 'not a url' } })).toBe(false);
  });
});
