/**
 * `tczbuild bump NAME VERSION` against a local HTTP server holding two releases: the recipe gets
 * the new version and the new sha256 of every source (per arch), everything else byte for byte,
 * the diff is printed, and a version whose files are missing leaves the recipe untouched.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

let server: FixtureServer;
const body = (v: string, arch: string): Buffer => Buffer.from(`#!/bin/sh\necho tool ${v} ${arch}\n`);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  const routes: Record<string, { body: Buffer }> = {};
  for (const v of ['1.0', '2.0']) for (const a of ['amd64', 'arm64']) routes[`/v${v}/tool-${a}`] = { body: body(v, a) };
  server = await startFixtureServer(routes);
});
afterAll(() => server?.close());

const recipe = (): string => `# tool: a demo recipe
name: tool
version: "1.0"   # the upstream release
description: d
author: a
original-site: https://example.invalid/
copying-policy: MIT
sources:
  # one binary per arch
  - url: ${server.url}/v\${version}/tool-amd64
    sha256: ${sha(body('1.0', 'amd64'))}   # x86_64 build
    arch: [x86_64]
    install: { to: usr/local/bin/tool, mode: "0755" }
  - url: ${server.url}/v\${version}/tool-arm64
    sha256: ${sha(body('1.0', 'arm64'))}
    arch: [aarch64]
    install: { to: usr/local/bin/tool, mode: "0755" }
`;

describe('tczbuild bump', () => {
  it('sets version:, rehashes every source at its new URL, keeps the rest byte for byte, and prints the diff', async () => {
    const dir = await testdir({ 'recipes/tool.yaml': recipe() });
    const run = await tczbuild(['bump', 'tool', '2.0', '--cache', 'cache'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const expected = recipe()
      .replace('version: "1.0"', 'version: "2.0"')
      .replace(sha(body('1.0', 'amd64')), sha(body('2.0', 'amd64')))
      .replace(sha(body('1.0', 'arm64')), sha(body('2.0', 'arm64')));
    expect(await readFile(join(dir, 'recipes/tool.yaml'), 'utf8')).toBe(expected);
    expect(run.stdout).toContain('--- a/recipes/tool.yaml\n+++ b/recipes/tool.yaml\n@@ -3 +3 @@\n-version: "1.0"   # the upstream release\n+version: "2.0"   # the upstream release\n');
    expect(run.stdout).toContain(`@@ -11 +11 @@\n-    sha256: ${sha(body('1.0', 'amd64'))}   # x86_64 build\n+    sha256: ${sha(body('2.0', 'amd64'))}   # x86_64 build\n`);
    expect(server.requests).toEqual(expect.arrayContaining(['/v2.0/tool-amd64', '/v2.0/tool-arm64']));
    // the bumped recipe builds for both arches from the cache it filled
    const build = await tczbuild(['all', '--offline', '--cache', 'cache', '--target', '11.x/x86_64', '--target', '11.x/aarch64'], { cwd: dir });
    expect(build.code, build.stdout + build.stderr).toBe(0);
  });

  it('leaves the recipe untouched and names the source when the new version cannot be fetched', async () => {
    const dir = await testdir({ 'recipes/tool.yaml': recipe() });
    const run = await tczbuild(['bump', 'tool', '3.0', '--cache', 'cache', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const d = diagnosticsOf(run);
    expect(d.map((x) => x.id)).toContain('bump-not-written');
    expect(d.find((x) => x.id !== 'bump-not-written')).toMatchObject({ file: 'recipes/tool.yaml', line: 11 });
    expect(await readFile(join(dir, 'recipes/tool.yaml'), 'utf8')).toBe(recipe());
  });

  it('names a recipe that does not exist', async () => {
    const dir = await testdir({ 'recipes/tool.yaml': recipe() });
    const run = await tczbuild(['bump', 'nope', '2.0', '--json'], { cwd: dir });
    expect([run.code, diagnosticsOf(run).map((x) => x.id)]).toEqual([1, ['recipe-not-found']]);
  });
});
