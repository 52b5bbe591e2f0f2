/**
 * faasd ready offline, end to end with the real tools: `tczbuild pin` fills a faasd-like
 * recipe's digests from Debian's docker-registry, `tczbuild build` packs the image tarballs,
 * the compose file and prometheus.yml from rootfs-overlays/faasd into faasd.tcz (and none of
 * the runtime-written paths), the generated init script imports the tarballs from the
 * unpacked .tcz with the real ctr under the pinned digests, an offline rebuild is
 * byte-identical, and a tampered registry publishes nothing.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { snapshotTree } from '../helpers/tree-snapshot.js';
import { startContainerd, type TestContainerd } from '../images/helpers/containerd.js';
import { makeImage, makeIndex, type FixtureImage } from '../images/helpers/oci-fixtures.js';
import { startRegistryProxy, type RegistryProxy } from '../images/helpers/proxy.js';
import { pushImage, pushIndex } from '../images/helpers/registry.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/demo/registry.js';
import { noNetrc } from '../helpers/no-netrc.js';

const refs = {
  'openfaas/basic-auth-plugin': '0.18.18',
  'library/nats-streaming': '0.11.2',
  'prom/prometheus': 'v2.14.0',
  'openfaas/gateway': '0.18.18',
  'openfaas/queue-worker': '0.11.2',
} as const;
const tcz = 'out/11.x/x86_64/tcz';
const env = { SOURCE_DATE_EPOCH: '1600000000' };

let registry: LocalRegistry;
let proxy: RegistryProxy;
let server: FixtureServer;
let containerd: TestContainerd;
let dir: string;
const images = new Map<string, FixtureImage>();

const recipe = (url: string): string => `# a faasd recipe shaped like recipes/faasd.yaml, with fixture downloads
name: faasd
version: 0.9.5
description: faasd with its core images for offline boot
author: test
original-site: ${url}/
copying-policy: MIT
sources:
  - id: faasd
    url: ${url}/faasd/\${version}/faasd
    sha256: unpinned
    install: { to: usr/local/bin/faasd, mode: "0755" }
overlays: [faasd]
images:
${Object.entries(refs)
  .map(([repo, tag]) => `  - ref: docker.io/${repo}:${tag}\n    digest: unpinned   # tczbuild pin fills this`)
  .join('\n')}
services:
  faasd:
    kind: faasd
    namespace: default
    copy:
      - { from: /usr/local/share/faasd/docker-compose.yaml, to: /var/lib/faasd/docker-compose.yaml }
      - { from: /usr/local/share/faasd/prometheus.yml, to: /var/lib/faasd/prometheus.yml }
runtime-paths:
  - var/lib/faasd/secrets
  - var/lib/faasd/hosts
  - var/lib/faasd-provider
  - etc/cni/net.d/10-openfaas.conflist
  - var/lib/cni
`;

beforeAll(async () => {
  registry = await startLocalRegistry({ env: noNetrc() });
  proxy = await startRegistryProxy(registry.url);
  containerd = await startContainerd();
  server = await startFixtureServer({ '/faasd/0.9.5/faasd': { body: '#!/bin/sh\necho faasd\n' } });
  for (const [repo, tag] of Object.entries(refs)) {
    const image = await makeImage({ layers: [[{ name: `srv/${repo.split('/')[1]}`, content: `${repo}:${tag}\n` }]] });
    images.set(repo, image);
    if (repo === 'library/nats-streaming') {
      const arm = await makeImage({ layers: [[{ name: 'srv/nats', content: 'arm64\n' }]], architecture: 'arm64' });
      await pushIndex(registry.url, repo, [image, arm], makeIndex([image, arm]), tag);
    } else await pushImage(registry.url, repo, image, tag);
  }
  dir = await testdir({ 'recipes/faasd.yaml': recipe(server.url) }, { keep: true });
  await cp(join(import.meta.dirname, '../../rootfs-overlays/faasd'), join(dir, 'rootfs-overlays/faasd'), { recursive: true });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  await containerd?.stop();
  await server?.close();
  await proxy?.close();
  await registry?.stop();
});

const mirror = (url: string): string[] => ['--registry-mirror', `docker.io=${url}`];
const lln = (file: string): string[] =>
  execFileSync('unsquashfs', ['-lln', file], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/))
    .map((f) => `${f[0]} ${f[1]} ${f[f.length - 1]}`);

describe('faasd.tcz with bundled images', () => {
  it('pins, builds, and ships tarballs that ctr imports under the pinned digests', async () => {
    const pin = await tczbuild(['pin', 'faasd', '--cache', 'cache', ...mirror(registry.url)], { cwd: dir });
    expect(pin.stderr).toBe('');
    expect(pin.code).toBe(0);
    const pinned = await readFile(join(dir, 'recipes/faasd.yaml'), 'utf8');
    const digests = [...pinned.matchAll(/ref: (\S+)\n\s+digest: (sha256:[0-9a-f]{64})   # tczbuild pin fills this/g)].map((m) => [m[1], m[2]]);
    expect(digests).toHaveLength(5);

    const build = await tczbuild(['build', 'faasd', '--cache', 'cache', '--json', ...mirror(registry.url)], { cwd: dir, env });
    expect(diagnosticsOf(build)).toEqual([]);
    expect(build.code).toBe(0);
    const listing = lln(join(dir, tcz, 'faasd.tcz'));
    expect(listing.filter((l) => l.startsWith('-') && !l.includes('/usr/local/etc/') && !l.includes('tce.installed'))).toEqual([
      '-rwxr-xr-x 0/0 squashfs-root/usr/local/bin/faasd',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/doc/faasd/COPYING',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/faasd/docker-compose.yaml',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/faasd/images/basic-auth-plugin.tar',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/faasd/images/gateway.tar',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/faasd/images/nats-streaming.tar',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/faasd/images/prometheus.tar',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/faasd/images/queue-worker.tar',
      '-rw-r--r-- 0/0 squashfs-root/usr/local/share/faasd/prometheus.yml',
    ]);
    expect(listing.filter((l) => /squashfs-root\/(var|etc)\b/.test(l))).toEqual([]);
    expect(listing).toContain('-rwxr-xr-x 0/0 squashfs-root/usr/local/etc/init.d/faasd');
    // provenance: every bundled image with its pinned digest, tarball and the registry it came from
    const provenance = JSON.parse(await readFile(join(dir, tcz, 'faasd.tcz.build.json'), 'utf8')) as { images: Array<Record<string, string>> };
    expect(provenance.images).toEqual(
      digests.map(([ref, digest]) => ({
        ref,
        digest,
        namespace: 'default',
        file: `usr/local/share/faasd/images/${ref!.replace(/^.*\/([^/:]+):.*$/, '$1')}.tar`,
        registry: 'docker.io',
        pulledFrom: registry.url,
      })),
    );

    // The generated init script imports the tarballs with the real ctr into the real containerd.
    const unpacked = join(dir, 'unpacked');
    execFileSync('unsquashfs', ['-q', '-d', unpacked, join(dir, tcz, 'faasd.tcz')]);
    await mkdir(join(unpacked, 'run/containerd'), { recursive: true });
    await symlink(containerd.address, join(unpacked, 'run/containerd/containerd.sock'));
    const script = join(unpacked, 'usr/local/etc/init.d/faasd');
    const imported = execFileSync('busybox', ['sh', script, 'import'], { env: { ...process.env, TCZ_ROOT: unpacked }, encoding: 'utf8' });
    for (const [ref] of digests) expect(imported).toContain(`faasd: imported ${ref} into namespace default`);
    const rows = (await containerd.ctr(['-n', 'default', 'image', 'ls'])).trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    for (const [ref, digest] of digests) expect(rows.find((r) => r[0] === ref)?.[2]).toBe(digest);
    expect(await readFile(join(unpacked, 'usr/local/share/faasd/docker-compose.yaml'))).toEqual(
      await readFile(join(import.meta.dirname, '../../rootfs-overlays/faasd/usr/local/share/faasd/docker-compose.yaml')),
    );
  });

  it('rebuilds offline from the cache byte for byte', async () => {
    const first = await readFile(join(dir, tcz, 'faasd.tcz'));
    const again = await tczbuild(['build', 'faasd', '--cache', 'cache', '--offline', '--force', '--out', 'out2', '--json'], { cwd: dir, env });
    expect(diagnosticsOf(again)).toEqual([]);
    expect(again.code).toBe(0);
    expect(await readFile(join(dir, 'out2/11.x/x86_64/tcz/faasd.tcz'))).toEqual(first);
  });

  it('publishes nothing when the registry serves a tampered layer', async () => {
    const before = await snapshotTree(join(dir, 'out'));
    proxy.behaviour.tamperBlobs = new Set([images.get('openfaas/gateway')!.layers[0]!.digest]);
    const run = await tczbuild(['build', 'faasd', '--cache', 'fresh-cache', '--force', '--json', ...mirror(proxy.url)], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run).map((d) => [d.id, d.file])).toEqual([['image-blob-mismatch', 'recipes/faasd.yaml']]);
    expect(await snapshotTree(join(dir, 'out'))).toEqual(before);
  });
});
