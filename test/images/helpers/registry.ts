/**
 * Loading a real `docker-registry` (src/demo/registry.ts starts it) through the distribution API
 * (monolithic blob uploads, manifest PUTs) the way any client pushes.
 */
import type { Blob, FixtureImage } from './oci-fixtures.js';

export async function pushBlob(registry: string, repo: string, b: Blob): Promise<void> {
  const start = await fetch(`${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`upload start for ${repo} answered ${start.status}: ${await start.text()}`);
  const location = new URL(start.headers.get('location') ?? '', registry);
  location.searchParams.set('digest', b.digest);
  const put = await fetch(location, { method: 'PUT', body: b.bytes, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob upload ${b.digest} answered ${put.status}: ${await put.text()}`);
}

export async function pushManifest(registry: string, repo: string, reference: string, m: Blob): Promise<void> {
  const put = await fetch(`${registry}/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: m.bytes, headers: { 'content-type': m.mediaType } });
  if (put.status !== 201) throw new Error(`manifest PUT ${repo}:${reference} answered ${put.status}: ${await put.text()}`);
}

/** Push an image's blobs and manifest; with `tag`, also tag it. */
export async function pushImage(registry: string, repo: string, image: FixtureImage, tag?: string): Promise<void> {
  for (const b of [image.config, ...image.layers]) await pushBlob(registry, repo, b);
  await pushManifest(registry, repo, tag ?? image.manifest.digest, image.manifest);
}

/** Push every platform image by digest, then the index under `tag`. */
export async function pushIndex(registry: string, repo: string, images: readonly FixtureImage[], index: Blob, tag: string): Promise<void> {
  for (const image of images) await pushImage(registry, repo, image);
  await pushManifest(registry, repo, tag, index);
}
