/**
 * `tczbuild pin` against Debian's real docker-registry and a real HTTP server: tags become the
 * digest of what the registry serves, unpinned and missing source hashes are filled, and the
 * recipe file keeps every comment and line otherwise byte for byte.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { makeImage, makeIndex, type Blob, type FixtureImage } from '../images/helpers/oci-fixtures.js';
import { pushImage, pushIndex } from '../images/helpers/registry.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/demo/registry.js';
import { noNetrc } from '../helpers/no-netrc.js';

let registry: LocalRegistry;
let server: FixtureServer;
let gateway: FixtureImage;
let index: Blob;
const tool = Buffer.from('#!/bin/sh\necho faas-cli\n');
const archive = Buffer.from('not really a tarball, but bytes with a hash');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  registry = await startLocalRegistry({ env: noNetrc() });
  server = await startFixtureServer({ '/dl/1.2.3/faas-cli': { body: tool }, '/dl/faasd-1.2.3.tar.gz': { body: archive } });
  gateway = await makeImage({ layers: [[{ name: 'gateway', content: 'gw' }]] });
  const amd64 = await makeImage({ layers: [[{ name: 'nats', content: 'amd64' }]] });
  const arm64 = await makeImage({ layers: [[{ name: 'nats', content: 'arm64' }]], architecture: 'arm64' });
  index = makeIndex([amd64, arm64]);
  await pushImage(registry.url, 'openfaas/gateway', gateway, '0.18.18');
  await pushIndex(registry.url, 'library/nats-streaming', [amd64, arm64], index, '0.11.2');
});

afterAll(async () => {
  await server?.close();
  await registry?.stop();
});

const recipe = (url: string): string => `# faasd, as a user would write it
name: faasd
version: 1.2.3
description: demo   # trailing comment
author: test
original-site: ${url}/
copying-policy: MIT
sources:
  # the archive: sha256 not known yet
  - url: ${url}/dl/faasd-\${version}.tar.gz
    sha256: unpinned
    extract: { strip: 0, into: usr/local/bin }
  - url: ${url}/dl/\${version}/faas-cli   # no sha256 key at all
    install: { to: usr/local/bin/faas-cli, mode: "0755" }
images:
  - ref: docker.io/openfaas/gateway:0.18.18
    digest: unpinned # pin me
    namespace: default
  # nats serves an index: the digest is the index's
  - ref: docker.io/library/nats-streaming:0.11.2
    digest: "unpinned"
`;

async function project(): Promise<{ dir: string; file: string; args: string[] }> {
  const dir = await testdir({ 'recipes/faasd.yaml': recipe(server.url) });
  return { dir, file: join(dir, 'recipes/faasd.yaml'), args: ['--recipes', 'recipes', '--cache', 'cache', '--registry-mirror', `docker.io=${registry.url}`] };
}

describe('tczbuild pin', () => {
  it('writes digests and hashes into the recipe and keeps everything else byte for byte', async () => {
    const { dir, file, args } = await project();
    const run = await tczbuild(['pin', ...args], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const expected = recipe(server.url)
      .replace('    sha256: unpinned\n', `    sha256: ${sha(archive)}\n`)
      .replace('# no sha256 key at all\n', `# no sha256 key at all\n    sha256: ${sha(tool)}\n`)
      .replace('digest: unpinned # pin me', `digest: ${gateway.manifest.digest} # pin me`)
      .replace('digest: "unpinned"', `digest: "${index.digest}"`);
    expect(await readFile(file, 'utf8')).toBe(expected);
    expect(run.stdout).toContain(`recipes/faasd.yaml:18:13: image docker.io/openfaas/gateway:0.18.18: unpinned → ${gateway.manifest.digest}`);
    expect(run.stdout).toContain(`image docker.io/library/nats-streaming:0.11.2: unpinned → ${index.digest}`);
    expect(run.stdout).toContain('4 pinned, 0 unchanged');

    // Pinned recipes lint clean and a second pin changes nothing.
    expect((await tczbuild(['lint', '--recipes', 'recipes'], { cwd: dir })).code).toBe(0);
    const again = await tczbuild(['pin', ...args], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 pinned, 0 unchanged');
    expect(await readFile(file, 'utf8')).toBe(expected);
  });

  it('--offline pins from what an earlier pin saw with the same cache, without any network', async () => {
    const { dir, file, args } = await project();
    const offline = ['pin', '--offline', '--json', '--recipes', 'recipes', '--cache', 'cache', '--registry-mirror', 'docker.io=http://127.0.0.1:9'];
    const cold = await tczbuild(offline, { cwd: dir });
    expect(cold.code).toBe(1);
    expect(diagnosticsOf(cold).map((d) => [d.id, d.line])).toEqual([
      ['fetch-offline-missing', 11],
      ['fetch-offline-missing', 14],
      ['image-offline-missing', 18],
      ['image-offline-missing', 22],
    ]);
    expect(await readFile(file, 'utf8')).toBe(recipe(server.url));

    expect((await tczbuild(['pin', ...args], { cwd: dir })).code).toBe(0);
    const pinned = await readFile(file, 'utf8');
    await writeFile(file, recipe(server.url));
    const before = server.requests.length;
    const warm = await tczbuild(offline, { cwd: dir });
    expect(diagnosticsOf(warm)).toEqual([]);
    expect(warm.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(await readFile(file, 'utf8')).toBe(pinned);
  });

  it('--force re-resolves a moved tag and reports the change', async () => {
    const { dir, file, args } = await project();
    expect((await tczbuild(['pin', 'faasd', ...args], { cwd: dir })).code).toBe(0);
    const moved = await makeImage({ layers: [[{ name: 'gateway', content: 'gw v2' }]] });
    await pushImage(registry.url, 'openfaas/gateway', moved, '0.18.18');
    const run = await tczbuild(['pin', 'faasd', '--force', ...args], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`image docker.io/openfaas/gateway:0.18.18: ${gateway.manifest.digest} → ${moved.manifest.digest}`);
    expect(run.stdout).toContain('1 pinned, 3 unchanged');
    expect(await readFile(file, 'utf8')).toContain(`digest: ${moved.manifest.digest} # pin me`);
    await pushImage(registry.url, 'openfaas/gateway', gateway, '0.18.18');
  });

  it('names a recipe that does not exist', async () => {
    const { dir, args } = await project();
    const run = await tczbuild(['pin', 'nope', '--json', ...args], { cwd: dir });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run).map((d) => d.id)).toEqual(['recipe-not-found']);
  });
});
