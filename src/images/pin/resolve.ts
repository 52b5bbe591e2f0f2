/**
 * Resolve what pin writes: an image tag → the digest of the exact object the registry serves
 * for it (kept in the cache, and remembered for --offline), and a source URL → the sha256 of
 * its bytes (via the fetch layer). Offline, only what an earlier online pin remembered with this
 * cache, or a file in a local --source-mirror directory, counts.
 * I/O adapters; deciding what to resolve and editing recipes happen elsewhere.
 */
import { fetchAndHash } from '../../builder/fetch/fetch-sources.js';
import { candidatesFor } from '../../builder/fetch/locations.js';
import type { SourceCache } from '../../builder/fetch/source-cache.js';
import { fail } from '../../diagnostics/errors.js';
import type { ImageReference } from '../reference.js';
import type { RegistryClient } from '../registry/client.js';
import { withRetries } from '../fetch-verified.js';
import { lookupTag, lookupUrl, recordTag, recordUrl } from './pin-memory.js';
import type { NetworkSettings } from '../../util/network-settings.js';

export interface ResolveContext {
  readonly cache: SourceCache;
  /** undefined means offline. */
  readonly client: RegistryClient | undefined;
  readonly sourceMirrors: readonly string[];
  /** The run's environment (netrc for downloads). */
  readonly env: NodeJS.ProcessEnv;
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
}

export async function resolveImageTag(ref: ImageReference, ctx: ResolveContext): Promise<string> {
  if (!ctx.client) {
    const known = await lookupTag(ctx.cache.dir, ref);
    if (known === undefined) fail('image-offline-missing', undefined, `${ref.full}: this cache never resolved the tag; pin it once on a connected machine`);
    return known;
  }
  const client = ctx.client;
  const got = await withRetries(() => client.manifest(ref, ref.tag));
  await ctx.cache.putStream(once(got.bytes), got.digest.slice('sha256:'.length));
  await recordTag(ctx.cache.dir, ref, got.digest);
  return got.digest;
}

export async function resolveSourceHash(url: string, ctx: ResolveContext): Promise<string> {
  if (ctx.client) {
    const { sha256 } = await fetchAndHash(url, { cache: ctx.cache, mirrors: ctx.sourceMirrors, network: ctx.network });
    await recordUrl(ctx.cache.dir, url, sha256);
    return sha256;
  }
  // Offline: a URL pinned before counts only while its bytes are still in the cache, verified.
  const known = await lookupUrl(ctx.cache.dir, url);
  if (known !== undefined && (await ctx.cache.get(known)) !== undefined) return known;
  for (const c of candidatesFor(url, null, ctx.sourceMirrors)) {
    if (c.where.kind !== 'path') continue; // a file: URL or a mirror directory: no network involved
    try {
      return (await ctx.cache.putFile(c.where.path)).sha256;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  fail('fetch-offline-missing', undefined, `${url}: never pinned with this cache and in no local --source-mirror directory; --offline forbids downloading it`);
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
