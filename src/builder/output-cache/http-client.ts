/**
 * The HTTP calls the remote output cache makes, and nothing else: GET a blob as a stream (a 404
 * is "absent", not an error), GET a small body, PUT a buffer or a file. All go through the one
 * client (util/http/request.ts: proxies, private CA, timeouts) like every other request. Every
 * failure is a FetchFailure carrying the status, if any. It never retries, hashes or writes
 * files. Credentials arrive split off the URL (util/credentials.ts) and are sent as Basic auth,
 * only to the cache's own origin.
 */
import { originScopedAuth, type Credentials } from '../../util/credentials.js';
import { FetchFailure, isRetryableStatus } from '../../util/http/failure.js';
import { httpGet, httpRequest, statusText, type HttpOptions } from '../../util/http/request.js';
import type { MinRate } from '../../util/min-rate.js';
import type { NetworkSettings } from '../../util/network-settings.js';

export interface CacheHttpOptions {
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
  /** Connect and idle timeout: a server that sends nothing for this long fails the call. */
  readonly timeoutMs: number;
  readonly credentials?: Credentials | undefined;
  /** A GET slower than this fails (a trickle of bytes never trips the idle timeout). */
  readonly minRate?: MinRate;
  /** A GET that takes longer than this in all fails. */
  readonly deadlineMs?: number;
}

/** The bounds of a GET: idle timeout always, rate and deadline when given. */
function getBounds(o: CacheHttpOptions): Pick<HttpOptions, 'network' | 'timeoutMs' | 'minRate' | 'deadlineMs'> {
  return { network: o.network, timeoutMs: o.timeoutMs, ...(o.minRate ? { minRate: o.minRate } : {}), ...(o.deadlineMs ? { deadlineMs: o.deadlineMs } : {}) };
}

const redirects = { max: 3 } as const;

/** The blob's bytes as they arrive (refused past maxBytes), or undefined when the server does not have it. */
export async function getStream(url: string, o: CacheHttpOptions & { readonly maxBytes: number }): Promise<AsyncIterable<Uint8Array> | undefined> {
  try {
    return (await httpGet(url, { ...getBounds(o), maxBytes: o.maxBytes, redirects, auth: originScopedAuth(url, o.credentials) })).chunks;
  } catch (error) {
    if (error instanceof FetchFailure && error.notFound) return undefined;
    throw error;
  }
}

/** A small body (an action-cache entry) read whole, or undefined when absent. */
export async function getBytes(url: string, o: CacheHttpOptions & { readonly maxBytes: number }): Promise<Buffer | undefined> {
  try {
    const body = await httpGet(url, { ...getBounds(o), redirects, maxBytes: o.maxBytes, auth: originScopedAuth(url, o.credentials) });
    return await body.bytes(o.maxBytes);
  } catch (error) {
    if (error instanceof FetchFailure && error.notFound) return undefined;
    throw error;
  }
}

/** PUT a buffer or a file; any 2xx is success (nginx answers 201 or 204, bazel-remote 200). */
export async function put(url: string, body: Buffer | { readonly file: string; readonly size: number }, o: CacheHttpOptions): Promise<void> {
  const res = await httpRequest(url, { network: o.network, method: 'PUT', body, timeoutMs: o.timeoutMs, auth: originScopedAuth(url, o.credentials) });
  // Read the (small) answer so the connection can be reused; its content does not matter.
  await res.bytes(64 * 1024).catch(() => undefined);
  if (res.status < 200 || res.status > 299) throw new FetchFailure(statusText(res.status), { retryable: isRetryableStatus(res.status), kind: 'status', status: res.status });
}
