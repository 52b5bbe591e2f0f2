/**
 * Pull by digest through Debian's real docker-registry, write the tarball, import it with the
 * real ctr into a real containerd: the imported image carries the full reference and exactly
 * the pinned digest, for a single-platform Docker manifest and for a multi-platform OCI index.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import { isTczError } from '../../src/diagnostics/errors.js';
import { prefetchImages, stageImages } from '../../src/images/index.js';
import { imageTarballPath } from '../../src/initd/image-path.js';
import { testdir } from '../helpers/testdir.js';
import { startContainerd, type TestContainerd } from '../images/helpers/containerd.js';
import { makeImage, makeIndex, type Blob, type FixtureImage } from '../images/helpers/oci-fixtures.js';
import { imagesRecipe, recipeFrom, x86_64 } from '../images/helpers/recipe.js';
import { pushImage, pushIndex } from '../images/helpers/registry.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/demo/registry.js';
import { noNetrc } from '../helpers/no-netrc.js';

let registry: LocalRegistry;
let containerd: TestContainerd;
let hello: FixtureImage;
let amd64: FixtureImage;
let arm64: FixtureImage;
let i386: FixtureImage;
let index: Blob;
let dockerList: Blob;

beforeAll(async () => {
  registry = await startLocalRegistry({ env: noNetrc() });
  containerd = await startContainerd();
  hello = await makeImage({ flavor: 'docker', layers: [[{ name: 'bin/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 }], [{ name: 'etc/motd', content: 'hi\n' }]] });
  amd64 = await makeImage({ layers: [[{ name: 'etc/arch', content: 'amd64\n' }]], architecture: 'amd64' });
  arm64 = await makeImage({ layers: [[{ name: 'etc/arch', content: 'arm64\n' }]], architecture: 'arm64', variant: 'v8' });
  // ctr's default platform matcher on amd64 also accepts 386, so the import walks that entry too.
  i386 = await makeImage({ layers: [[{ name: 'etc/arch', content: '386\n' }]], architecture: '386' });
  index = makeIndex([amd64, arm64, i386]);
  await pushImage(registry.url, 'openfaas/hello', hello, '0.1.0');
  await pushIndex(registry.url, 'library/multi', [amd64, arm64, i386], index, '2.0');
  // The Docker flavour of a multi-platform image: a manifest list over Docker v2 manifests.
  const dockerAmd64 = await makeImage({ flavor: 'docker', layers: [[{ name: 'etc/flavour', content: 'docker\n' }]] });
  const dockerArm = await makeImage({ flavor: 'docker', layers: [[{ name: 'etc/flavour', content: 'docker arm\n' }]], architecture: 'arm64' });
  dockerList = makeIndex([dockerAmd64, dockerArm], 'docker');
  await pushIndex(registry.url, 'prom/listed', [dockerAmd64, dockerArm], dockerList, 'v1');
});

afterAll(async () => {
  await containerd?.stop();
  await registry?.stop();
});

const sha256File = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

async function unpackTar(file: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  execFileSync('tar', ['-xf', file, '-C', into]);
  return into;
}

function fromFile(content: unknown): string {
  if (typeof content !== 'object' || content === null || !('fromFile' in content)) throw new Error('expected a fromFile tarball');
  return (content as { fromFile: string }).fromFile;
}

describe('stageImages through a real registry', () => {
  it('pulls by digest and the tarballs import with ctr under the full ref and the pinned digest', async () => {
    const dir = await testdir();
    const recipe = recipeFrom(
      imagesRecipe([
        { ref: 'docker.io/openfaas/hello:0.1.0', digest: hello.manifest.digest },
        { ref: 'docker.io/library/multi:2.0', digest: index.digest },
        { ref: 'docker.io/prom/listed:v1', digest: dockerList.digest },
      ]),
    );
    const files = await stageImages(recipe, x86_64, {
      cache: new SourceCache(join(dir, 'cache')),
      offline: false,
      workDir: join(dir, 'work'),
      registryMirrors: { 'docker.io': registry.url }, network: { env: noNetrc() },
    });
    expect(files.map((f) => f.path)).toEqual([
      imageTarballPath('demo', 'docker.io/openfaas/hello:0.1.0'),
      imageTarballPath('demo', 'docker.io/library/multi:2.0'),
      imageTarballPath('demo', 'docker.io/prom/listed:v1'),
    ]);
    for (const f of files) await containerd.ctr(['-n', 'default', 'image', 'import', fromFile(f.content)]);
    const listed = await containerd.ctr(['-n', 'default', 'image', 'ls']);
    const rows = listed.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    const digestOf = (name: string): string | undefined => rows.find((r) => r[0] === name)?.[2];
    expect(digestOf('docker.io/openfaas/hello:0.1.0')).toBe(hello.manifest.digest);
    expect(digestOf('docker.io/library/multi:2.0')).toBe(index.digest);
    expect(digestOf('docker.io/prom/listed:v1')).toBe(dockerList.digest);
    // The unpacked rootfs exists: ctr resolved the platform manifest, config and layers.
    const snapshots = await containerd.ctr(['-n', 'default', 'snapshots', 'ls']);
    expect(snapshots.trim().split('\n').length).toBeGreaterThan(1);
  });

  it('carries the layers of the chosen platform only, and the bytes repeat exactly from the cache', async () => {
    const dir = await testdir();
    const cache = new SourceCache(join(dir, 'cache'));
    const recipe = recipeFrom(imagesRecipe([{ ref: 'docker.io/library/multi:2.0', digest: index.digest }]));
    const ctx = { cache, workDir: join(dir, 'a'), registryMirrors: { 'docker.io': registry.url }, network: { env: noNetrc() } };
    const [online] = await stageImages(recipe, x86_64, { ...ctx, offline: false });
    const [offline] = await stageImages(recipe, x86_64, { ...ctx, workDir: join(dir, 'b'), offline: true });
    const a = fromFile(online!.content);
    const b = fromFile(offline!.content);
    expect(a).not.toBe(b);
    expect(await sha256File(a)).toBe(await sha256File(b));
    const entries = execFileSync('tar', ['-tf', a], { encoding: 'utf8' }).trim().split('\n');
    const path = (digest: string): string => `blobs/sha256/${digest.slice(7)}`;
    expect(entries).toContain(path(amd64.layers[0]!.digest));
    expect(entries).not.toContain(path(arm64.layers[0]!.digest));
    expect(entries).not.toContain(path(i386.layers[0]!.digest));
    // Other platforms travel as manifest JSON only, so ctr's import walk finds every entry it matches.
    expect(entries).toContain(path(i386.manifest.digest));
    expect(entries).toContain(path(arm64.manifest.digest));
  });

  it('carries a docker manifest.json that ctr imports on its own, compressed layers and all', async () => {
    const dir = await testdir();
    const recipe = recipeFrom(imagesRecipe([{ ref: 'docker.io/openfaas/hello:0.1.0', digest: hello.manifest.digest, to: 'x/docker-only.tar' }]));
    const [file] = await stageImages(recipe, x86_64, { cache: new SourceCache(join(dir, 'cache')), offline: false, workDir: join(dir, 'w'), registryMirrors: { 'docker.io': registry.url }, network: { env: noNetrc() } });
    // Hide the OCI layout so ctr takes the `docker save` path, as an importer without OCI support would.
    const dockerOnly = join(dir, 'docker-only.tar');
    execFileSync('tar', ['-cf', dockerOnly, '-C', await unpackTar(fromFile(file!.content), join(dir, 'x')), 'manifest.json', 'blobs']);
    await containerd.ctr(['-n', 'docker-path', 'image', 'import', dockerOnly]);
    const listed = await containerd.ctr(['-n', 'docker-path', 'image', 'ls', '-q']);
    expect(listed.trim().split('\n')).toEqual(['docker.io/openfaas/hello:0.1.0']);
    const snapshots = await containerd.ctr(['-n', 'docker-path', 'snapshots', 'ls']);
    expect(snapshots.trim().split('\n').length).toBe(1 + hello.layers.length);
  });

  it('prefetches pinned images into the cache so an offline build needs no registry', async () => {
    const dir = await testdir();
    const cache = new SourceCache(join(dir, 'cache'));
    const written = imagesRecipe([
      { ref: 'docker.io/library/not-yet:1', digest: 'unpinned' },
      { ref: 'docker.io/library/multi:2.0', digest: index.digest },
    ]);
    expect(await prefetchImages(recipeFrom(written), x86_64, { cache, registryMirrors: { 'docker.io': registry.url }, network: { env: noNetrc() } })).toBe(1);
    const pinnedOnly = recipeFrom(imagesRecipe([{ ref: 'docker.io/library/multi:2.0', digest: index.digest }]));
    const [file] = await stageImages(pinnedOnly, x86_64, { cache, offline: true, workDir: join(dir, 'w'), network: { env: noNetrc() } });
    await containerd.ctr(['-n', 'prefetched', 'image', 'import', fromFile(file!.content)]);
    expect(await containerd.ctr(['-n', 'prefetched', 'image', 'ls', '-q'])).toBe('docker.io/library/multi:2.0\n');
  });

  it('offline with an empty cache lists every missing image at its digest line', async () => {
    const dir = await testdir();
    const recipe = recipeFrom(
      imagesRecipe([
        { ref: 'docker.io/openfaas/hello:0.1.0', digest: hello.manifest.digest },
        { ref: 'docker.io/library/multi:2.0', digest: index.digest },
      ]),
    );
    const error = await stageImages(recipe, x86_64, { cache: new SourceCache(join(dir, 'cache')), offline: true, workDir: join(dir, 'w'), network: { env: noNetrc() } }).catch((e: unknown) => e);
    expect(isTczError(error)).toBe(true);
    if (!isTczError(error)) return;
    expect(error.diagnostics.map((d) => [d.id, d.file, d.line])).toEqual([
      ['image-offline-missing', 'recipes/demo.yaml', 9],
      ['image-offline-missing', 'recipes/demo.yaml', 11],
    ]);
    // Nothing was fetched, so not even the cache directory was created.
    expect(await readdir(dir)).toEqual([]);
  });
});
