/**
 * Pull one image by its pinned digest into the content-addressed cache: the pinned object
 * (index or manifest), the platform's manifest, its config and layers. Every object is checked
 * against its digest before it is stored, and the cache re-verifies what it already holds, so
 * what comes back is exactly what the pin names. Offline, only the cache is read. It writes
 * nothing but cache entries.
 */
import './codes.js';
import { readFile } from 'node:fs/promises';
import { ChecksumMismatchError, type SourceCache } from '../builder/fetch/source-cache.js';
import { diag, type Position } from '../diagnostics/diagnostic.js';
import { fail, TczError } from '../diagnostics/errors.js';
import { formatPlatform, parseManifest, selectPlatform, type Descriptor, type ParsedManifest, type Platform } from './manifest.js';
import type { ImageReference } from './reference.js';
import type { RegistryClient } from './registry/client.js';

export interface PulledImage {
  readonly ref: ImageReference;
  /** The object the pin names (an index or a manifest): what `ctr image ls` must show. */
  readonly top: Descriptor;
  /** The image manifest for the platform (the same as `top` when the pin names a manifest). */
  readonly manifest: Descriptor;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

export interface PullContext {
  readonly cache: SourceCache;
  /** undefined means offline: read the cache only. */
  readonly client: RegistryClient | undefined;
  /** Where the digest is written in the recipe, for mismatch messages. */
  readonly at?: Position;
}

export async function pullImage(ref: ImageReference, pinned: string, platform: Platform, ctx: PullContext): Promise<PulledImage> {
  const what = `${ref.full}@${pinned}`;
  const topBytes = await manifestBytes(ref, pinned, ctx, what, true);
  const top = parsed(topBytes, what);
  const topDesc: Descriptor = { mediaType: top.mediaType, digest: pinned, size: topBytes.length };
  let manifestDesc = topDesc;
  let manifest = top;
  if (top.kind === 'index') {
    const chosen = selectPlatform(top.manifests, platform);
    if (!chosen) {
      const offered = top.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : [])).join(', ');
      fail('image-platform-missing', ctx.at, `${what} has no image for ${formatPlatform(platform)} (it offers: ${offered || 'none'})`);
    }
    const bytes = await manifestBytes(ref, chosen.digest, ctx, `${what} (${formatPlatform(platform)})`, false);
    manifest = parsed(bytes, `${ref.full}@${chosen.digest}`);
    if (manifest.kind !== 'manifest') fail('image-manifest-invalid', ctx.at, `${what}: the ${formatPlatform(platform)} entry is itself an index`);
    manifestDesc = { mediaType: manifest.mediaType, digest: chosen.digest, size: bytes.length };
  }
  if (manifest.kind !== 'manifest') fail('image-manifest-invalid', ctx.at, `${what}: expected an image manifest`);
  for (const blob of [manifest.config, ...manifest.layers]) await ensureBlob(ref, blob, ctx);
  return { ref, top: topDesc, manifest: manifestDesc, config: manifest.config, layers: manifest.layers };
}

function parsed(bytes: Buffer, what: string): ParsedManifest {
  const r = parseManifest(bytes, undefined, what);
  if (!r.ok) throw new TczError([r.diagnostic]);
  return r.manifest;
}

/**
 * The bytes of a manifest addressed by digest, from the cache or the registry. A registry
 * answer that hashes differently is refused: for the pinned object that means the pin is wrong
 * (or the registry lies), which is `image-digest-mismatch` at the recipe's digest line.
 */
async function manifestBytes(ref: ImageReference, digest: string, ctx: PullContext, what: string, pinned: boolean): Promise<Buffer> {
  const hex = hexOf(digest);
  const cached = await ctx.cache.get(hex);
  if (cached) return readFile(cached);
  if (!ctx.client) fail('image-offline-missing', ctx.at, `${what}: the manifest ${digest} is not in the cache`);
  const got = await ctx.client.manifest(ref, digest);
  if (got.digest !== digest) {
    const id = pinned ? 'image-digest-mismatch' : 'image-blob-mismatch';
    fail(id, pinned ? ctx.at : undefined, `${what}: the registry served a manifest with digest ${got.digest}, expected ${digest}`);
  }
  await ctx.cache.putStream(once(got.bytes), hex);
  return got.bytes;
}

async function ensureBlob(ref: ImageReference, blob: Descriptor, ctx: PullContext): Promise<void> {
  const hex = hexOf(blob.digest);
  const what = `${ref.full}: blob ${blob.digest}`;
  if (await ctx.cache.get(hex)) return;
  if (!ctx.client) fail('image-offline-missing', ctx.at, `${what} is not in the cache`);
  const { body } = await ctx.client.blob(ref, blob.digest);
  try {
    const entry = await ctx.cache.putStream(capped(body, blob.size, what), hex);
    if (entry.size !== blob.size) fail('image-blob-mismatch', undefined, `${what} is ${entry.size} bytes, the manifest says ${blob.size}`);
  } catch (error) {
    if (error instanceof ChecksumMismatchError) {
      throw new TczError([diag('image-blob-mismatch', undefined, `${what}: the registry served ${error.size} bytes with digest sha256:${error.got}`)], { cause: error });
    }
    throw error;
  }
}

/** A registry that sends more than the manifest declared is wrong; stop before filling the disk. */
async function* capped(body: AsyncIterable<Uint8Array>, size: number, what: string): AsyncGenerator<Uint8Array> {
  let received = 0;
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > size) fail('image-blob-mismatch', undefined, `${what}: the registry sent more than the ${size} bytes the manifest declares`);
    yield chunk;
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

function hexOf(digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) fail('image-manifest-invalid', undefined, `"${digest}" is not a sha256 digest`);
  return digest.slice('sha256:'.length);
}
