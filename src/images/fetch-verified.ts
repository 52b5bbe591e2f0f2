/**
 * Bring one manifest or blob into the content-addressed cache, verified against its digest:
 * a verified cache hit wins; otherwise the registry is asked (retried a few times on network
 * trouble and 5xx, never on wrong bytes), the bytes are hashed while they stream into the
 * cache, and anything that does not match is refused without leaving a file. Offline, a miss
 * is `image-offline-missing`.
 */
import { readFile } from 'node:fs/promises';
import { ChecksumMismatchError, type SourceCache } from '../builder/fetch/source-cache.js';
import type { Reporter } from '../report/reporter.js';
import { diag, type Position } from '../diagnostics/diagnostic.js';
import { fail, TczError } from '../diagnostics/errors.js';
import type { Descriptor } from './manifest.js';
import type { ImageReference } from './reference.js';
import type { RegistryClient } from './registry/client.js';
import { retrying } from '../util/retry.js';
import { isRetryable } from './registry/http.js';

export interface FetchContext {
  readonly cache: SourceCache;
  /** undefined means offline: read the cache only. */
  readonly client: RegistryClient | undefined;
  /** Where the pinned digest is written in the recipe. */
  readonly at?: Position;
  readonly reporter?: Reporter;
  /** Pause before the first retry, doubled for each later one. */
  readonly backoffMs?: number;
}

const attempts = 3;
const progressEveryMs = 500;

/**
 * A manifest's bytes. A registry answer that hashes differently is refused: for the pinned
 * object that means the pin is wrong or the registry lies (`image-digest-mismatch`, at the
 * recipe's digest line); for a platform manifest named by an index it is a bad blob.
 */
export async function manifestBytes(ref: ImageReference, digest: string, ctx: FetchContext, what: string, pinned: boolean): Promise<Buffer> {
  const hex = hexOf(digest);
  const cached = await ctx.cache.get(hex);
  if (cached) return readFile(cached);
  const client = ctx.client;
  if (!client) fail('image-offline-missing', ctx.at, `${what}: the manifest ${digest} is not in the cache`);
  const got = await withRetries(() => client.manifest(ref, digest), ctx.backoffMs);
  if (got.digest !== digest) {
    const id = pinned ? 'image-digest-mismatch' : 'image-blob-mismatch';
    fail(id, pinned ? ctx.at : undefined, `${what}: the registry served a manifest with digest ${got.digest}, expected ${digest}`);
  }
  await ctx.cache.putStream(once(got.bytes), hex);
  return got.bytes;
}

/** Make sure a config or layer blob is in the cache, verified. */
export async function ensureBlob(ref: ImageReference, blob: Descriptor, ctx: FetchContext): Promise<void> {
  const hex = hexOf(blob.digest);
  const what = `${ref.full}: blob ${blob.digest}`;
  if (await ctx.cache.get(hex)) return;
  const client = ctx.client;
  if (!client) fail('image-offline-missing', ctx.at, `${what} is not in the cache`);
  await withRetries(async () => {
    const { body } = await client.blob(ref, blob.digest);
    try {
      const entry = await ctx.cache.putStream(watched(body, blob.size, what, progress(ctx.reporter, `${ref.full}@${blob.digest}`, blob.size)), hex);
      if (entry.size !== blob.size) fail('image-blob-mismatch', undefined, `${what} is ${entry.size} bytes, the manifest says ${blob.size}`);
    } catch (error) {
      if (!(error instanceof ChecksumMismatchError)) throw error;
      throw new TczError([diag('image-blob-mismatch', undefined, `${what}: the registry served ${error.size} bytes with digest sha256:${error.got}`)], { cause: error });
    }
  }, ctx.backoffMs);
}

/** Try again after 250 ms, then 500 ms, while a registry request fails in a way that may pass (the shared loop, util/retry.ts). */
export function withRetries<T>(attempt: () => Promise<T>, backoffMs = 250): Promise<T> {
  return retrying(attempt, { retries: attempts - 1, backoffMs, retryable: isRetryable, giveUp: afterAttempts });
}

function afterAttempts(error: unknown, n: number): unknown {
  if (n === 1 || !(error instanceof TczError)) return error;
  return new TczError(error.diagnostics.map((d) => ({ ...d, message: `${d.message} (after ${n} attempts)` })), { cause: error });
}

/**
 * Stop a registry that sends more than the manifest declared before it fills the disk, and
 * report progress on the way.
 */
async function* watched(body: AsyncIterable<Uint8Array>, size: number, what: string, report: (received: number, done: boolean) => void): AsyncGenerator<Uint8Array> {
  let received = 0;
  report(0, false);
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > size) fail('image-blob-mismatch', undefined, `${what}: the registry sent more than the ${size} bytes the manifest declares`);
    report(received, false);
    yield chunk;
  }
  report(received, true);
}

function progress(reporter: Reporter | undefined, url: string, total: number): (received: number, done: boolean) => void {
  let last = 0;
  return (received, done) => {
    const now = Date.now();
    if (!reporter || (received !== 0 && !done && now - last < progressEveryMs)) return;
    last = now;
    reporter.emit({ type: 'download-progress', url, received, total });
  };
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export function hexOf(digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) fail('image-manifest-invalid', undefined, `"${digest}" is not a sha256 digest`);
  return digest.slice('sha256:'.length);
}
