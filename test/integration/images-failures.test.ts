/**
 * What goes wrong between tczbuild and a registry ends in one clear diagnostic and leaves no
 * partial or unverified bytes in the cache and no tarball: a tampered blob, a pinned digest the
 * registry does not have or answers with other bytes, a connection cut mid-blob, a platform the
 * image lacks. Token auth as public registries do it works. Real docker-registry behind a proxy.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { isTczError } from '../../src/diagnostics/errors.js';
import { stageImages } from '../../src/images/index.js';
import { testdir } from '../helpers/testdir.js';
import { makeImage, makeIndex, sha256, type Blob, type FixtureImage } from '../images/helpers/oci-fixtures.js';
import { startRegistryProxy, type RegistryProxy } from '../images/helpers/proxy.js';
import { imagesRecipe, recipeFrom, x86_64 } from '../images/helpers/recipe.js';
import { pushImage, pushIndex } from '../images/helpers/registry.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/demo/registry.js';
import { noNetrc } from '../helpers/no-netrc.js';

let registry: LocalRegistry;
let proxy: RegistryProxy;
let image: FixtureImage;
let index: Blob;
let armOnly: FixtureImage;

beforeAll(async () => {
  registry = await startLocalRegistry({ env: noNetrc() });
  proxy = await startRegistryProxy(registry.url);
  // Incompressible content so the layer is big enough to be cut in the middle of a transfer.
  image = await makeImage({ layers: [[{ name: 'data/blob', content: randomBytes(512 * 1024) }], [{ name: 'etc/motd', content: 'hi\n' }]] });
  index = makeIndex([image]);
  await pushImage(registry.url, 'openfaas/gateway', image, '0.18.18');
  await pushIndex(registry.url, 'openfaas/multi', [image], index, '1.0');
  armOnly = await makeImage({ layers: [[{ name: 'etc/arch', content: 'arm64\n' }]], architecture: 'arm64' });
  await pushImage(registry.url, 'openfaas/gateway', armOnly, '0.18.18-arm64');
});

afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
});

function reset(): void {
  for (const key of Object.keys(proxy.behaviour) as (keyof typeof proxy.behaviour)[]) delete proxy.behaviour[key];
  proxy.requests.length = 0;
}

interface Outcome {
  readonly diagnostics: readonly Diagnostic[];
  readonly cacheFiles: string[];
  readonly tmpFiles: string[];
  readonly workFiles: string[];
}

async function stage(digest: string, opts: { platform?: string; ref?: string } = {}): Promise<Outcome> {
  const dir = await testdir();
  const recipe = recipeFrom(imagesRecipe([{ ref: opts.ref ?? 'docker.io/openfaas/gateway:0.18.18', digest, ...(opts.platform ? { platform: opts.platform } : {}) }]));
  let diagnostics: readonly Diagnostic[] = [];
  try {
    await stageImages(recipe, x86_64, { cache: new SourceCache(join(dir, 'cache')), offline: false, workDir: join(dir, 'work'), registryMirrors: { 'docker.io': proxy.url }, network: { env: noNetrc() } });
  } catch (error) {
    if (!isTczError(error)) throw error;
    diagnostics = error.diagnostics;
  }
  const list = async (p: string): Promise<string[]> => readdir(join(dir, p), { recursive: true }).catch(() => []);
  return { diagnostics, cacheFiles: await list('cache/sha256'), tmpFiles: await list('cache/tmp'), workFiles: await list('work/images') };
}

const hex = (digest: string): string => digest.slice(7);

describe('registry failures', () => {
  it('refuses a tampered layer and stores nothing for it', async () => {
    reset();
    const layer = image.layers[0]!.digest;
    proxy.behaviour.tamperBlobs = new Set([layer]);
    const r = await stage(image.manifest.digest);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['image-blob-mismatch']);
    expect(r.diagnostics[0]!.message).toContain(layer);
    expect(r.diagnostics[0]).toMatchObject({ file: 'recipes/demo.yaml', line: 9 });
    expect(r.cacheFiles).not.toContain(hex(layer));
    expect(r.tmpFiles).toEqual([]);
    expect(r.workFiles).toEqual([]);
  });

  it('says so when the registry has no manifest for the pinned digest', async () => {
    reset();
    const wrong = sha256(Buffer.from('not the gateway manifest'));
    const r = await stage(wrong);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['image-not-found']);
    expect(r.diagnostics[0]!.message).toContain(wrong);
    expect(r.diagnostics[0]).toMatchObject({ file: 'recipes/demo.yaml', line: 9, col: 13 });
    expect(r.cacheFiles).toEqual([]);
  });

  it('refuses manifest bytes that do not hash to the pinned digest', async () => {
    reset();
    const other = Buffer.from(image.manifest.bytes.toString().replace('"schemaVersion": 2', '"schemaVersion":2'));
    proxy.behaviour.replaceManifests = new Map([[image.manifest.digest, other]]);
    const r = await stage(image.manifest.digest);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['image-digest-mismatch']);
    expect(r.diagnostics[0]!.message).toContain(`expected ${image.manifest.digest}`);
    expect(r.diagnostics[0]!.message).toContain(sha256(other));
    expect(r.cacheFiles).toEqual([]);
  });

  it('reports a connection dropped mid-blob and leaves no partial file', async () => {
    reset();
    const layer = image.layers[0]!.digest;
    proxy.behaviour.dropBlobs = new Set([layer]);
    const r = await stage(image.manifest.digest);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['registry-failed']);
    expect(r.diagnostics[0]!.message).toMatch(/broke off after \d+ of \d+ bytes \(the connection was closed early.*\) \(after 3 attempts\)$/);
    expect(proxy.requests.filter((q) => q.includes(layer))).toHaveLength(3);
    expect(r.cacheFiles).not.toContain(hex(layer));
    expect(r.tmpFiles).toEqual([]);
    expect(r.workFiles).toEqual([]);
  });

  it('retries a blob whose transfer broke off once, and then succeeds', async () => {
    reset();
    const layer = image.layers[0]!.digest;
    proxy.behaviour.flakyBlobs = new Map([[layer, 1]]);
    const r = await stage(image.manifest.digest);
    expect(r.diagnostics).toEqual([]);
    expect(r.cacheFiles).toContain(hex(layer));
    expect(proxy.requests.filter((q) => q.includes(layer))).toHaveLength(2);
    expect(r.workFiles).toHaveLength(1);
  });

  it('refuses a single-platform image built for another architecture', async () => {
    reset();
    const r = await stage(armOnly.manifest.digest, { ref: 'docker.io/openfaas/gateway:0.18.18-arm64' });
    expect(r.diagnostics.map((d) => d.id)).toEqual(['image-platform-missing']);
    expect(r.diagnostics[0]!.message).toContain('is built for linux/arm64, but the target needs linux/amd64');
  });

  it('names the platforms an index offers when the wanted one is missing', async () => {
    reset();
    const r = await stage(index.digest, { ref: 'docker.io/openfaas/multi:1.0', platform: 'linux/s390x' });
    expect(r.diagnostics.map((d) => d.id)).toEqual(['image-platform-missing']);
    expect(r.diagnostics[0]!.message).toContain('linux/s390x');
    expect(r.diagnostics[0]!.message).toContain('offers: linux/amd64');
  });

  it('gets an anonymous bearer token on a 401 challenge and pulls with it', async () => {
    reset();
    proxy.behaviour.requireToken = true;
    const r = await stage(image.manifest.digest);
    expect(r.diagnostics).toEqual([]);
    expect(r.workFiles).toHaveLength(1);
    expect(proxy.requests.filter((q) => q.startsWith('GET /token'))).toEqual([
      'GET /token?service=test-registry&scope=repository%3Aopenfaas%2Fgateway%3Apull',
    ]);
    expect(proxy.requests.filter((q) => q.includes('/blobs/') && !q.endsWith('(auth)'))).toEqual([]);
  });
});
