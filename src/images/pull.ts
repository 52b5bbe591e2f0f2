/**
 * Pull one image by its pinned digest into the content-addressed cache: the pinned object
 * (index or manifest), the platform's manifest, its config and layers, each verified (see
 * fetch-verified.ts). A single-platform pin must be built for the wanted platform. What comes
 * back is exactly what the pin names. It writes nothing but cache entries.
 */
import { readFile } from 'node:fs/promises';
import { fail, TczError } from '../diagnostics/errors.js';
import { ensureBlob, hexOf, manifestBytes, type FetchContext } from './fetch-verified.js';
import { formatPlatform, parseManifest, selectPlatform, type Descriptor, type ParsedManifest, type Platform } from './manifest.js';
import type { ImageReference } from './reference.js';

export interface PulledImage {
  readonly ref: ImageReference;
  /** The object the pin names (an index or a manifest): what `ctr image ls` must show. */
  readonly top: Descriptor;
  /** The image manifest for the platform (the same as `top` when the pin names a manifest). */
  readonly manifest: Descriptor;
  /**
   * The index's other platform manifests (JSON only, no layers). ctr's import walks every entry
   * its platform matcher accepts (on amd64 that includes 386, on arm/v7 also v6) and fails on a
   * missing manifest; it never reads the configs or layers of entries it does not unpack.
   */
  readonly siblings: readonly Descriptor[];
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

export type PullContext = FetchContext;

/** Blobs of one image downloaded at once: enough to hide latency, few enough to share a link. */
const blobConcurrency = 3;

export async function pullImage(ref: ImageReference, pinned: string, platform: Platform, ctx: PullContext): Promise<PulledImage> {
  const what = `${ref.full}@${pinned}`;
  const topBytes = await manifestBytes(ref, pinned, ctx, what, true);
  const top = parsed(topBytes, what);
  const topDesc: Descriptor = { mediaType: top.mediaType, digest: pinned, size: topBytes.length };
  let manifestDesc = topDesc;
  let manifest = top;
  const siblings: Descriptor[] = [];
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
    for (const other of importWalked(top.manifests, chosen)) {
      await manifestBytes(ref, other.digest, ctx, `${what} (${other.platform ? formatPlatform(other.platform) : 'entry'})`, false);
      siblings.push(other);
    }
  }
  if (manifest.kind !== 'manifest') fail('image-manifest-invalid', ctx.at, `${what}: expected an image manifest`);
  await ensureBlob(ref, manifest.config, ctx);
  if (top.kind === 'manifest') await checkConfigPlatform(manifest.config, platform, ctx, what);
  await settleAll(manifest.layers, blobConcurrency, (layer) => ensureBlob(ref, layer, ctx));
  return { ref, top: topDesc, manifest: manifestDesc, siblings, config: manifest.config, layers: manifest.layers };
}

/** Index entries an importer may walk besides the chosen one: every real platform's manifest. */
function importWalked(manifests: readonly Descriptor[], chosen: Descriptor): Descriptor[] {
  const seen = new Set([chosen.digest]);
  return manifests.filter((m) => {
    if (seen.has(m.digest) || m.platform?.os === 'unknown') return false;
    seen.add(m.digest);
    return true;
  });
}

function parsed(bytes: Buffer, what: string): ParsedManifest {
  const r = parseManifest(bytes, undefined, what);
  if (!r.ok) throw new TczError([r.diagnostic]);
  return r.manifest;
}

/** A single-platform pin says its platform only in the config: an arm64 tag must not ship to x86_64. */
async function checkConfigPlatform(config: Descriptor, want: Platform, ctx: PullContext, what: string): Promise<void> {
  let doc: { os?: unknown; architecture?: unknown };
  try {
    doc = JSON.parse(await readFile(ctx.cache.pathFor(hexOf(config.digest)), 'utf8')) as typeof doc;
  } catch (error) {
    fail('image-manifest-invalid', ctx.at, `${what}: the image config ${config.digest} is not JSON`, undefined, error);
  }
  if (typeof doc.os !== 'string' || typeof doc.architecture !== 'string') return;
  if (doc.os !== want.os || doc.architecture !== want.architecture) {
    fail('image-platform-missing', ctx.at, `${what} is built for ${doc.os}/${doc.architecture}, but the target needs ${formatPlatform(want)}`);
  }
}

/**
 * Run `fn` over `items`, at most `limit` at once, and wait for every call to settle before
 * reporting the first failure, so no download is still writing when the caller gives up.
 */
async function settleAll<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !firstError) {
      const item = items[next++] as T;
      await fn(item).catch((error: unknown) => void (firstError ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (firstError) throw firstError.error;
}
