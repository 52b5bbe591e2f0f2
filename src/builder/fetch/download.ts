/**
 * download(): bring the bytes at one location (http, https or file URL, or a local path) into
 * the SourceCache, hashing as they stream, with bounded retries for network trouble and
 * throttled `download-progress` events. A checksum mismatch or a missing file is final for the
 * location (never retried); choosing between mirrors and upstream is fetch-sources.ts's job.
 */
import { stat } from 'node:fs/promises';
import type { Reporter } from '../../report/reporter.js';
import { originScopedAuth, type CredentialLookup } from '../../util/credentials.js';
import { FetchFailure } from '../../util/http/failure.js';
import { defaultMinRate, type MinRate } from '../../util/min-rate.js';
import type { Location } from './locations.js';
import { withRetries } from './retry.js';
import type { CacheEntry, SourceCache } from './source-cache.js';
import type { NetworkSettings } from '../../util/network-settings.js';

export interface DownloadOptions {
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
  readonly maxBytes?: number;
  readonly minRate?: MinRate;
  /** Credentials by host (a netrc file); a location's own credentials win on its own origin. */
  readonly credentials?: CredentialLookup;
  readonly reporter?: Reporter;
}

export const downloadDefaults = {
  timeoutMs: 30_000,
  retries: 3,
  backoffMs: 500,
  /** Far above any real source (the flagship ones are tens of MB) yet stops a runaway server. */
  maxBytes: 2 * 1024 ** 3,
  minRate: defaultMinRate,
} as const;

/** How often progress events may fire per download; the reporter draws, we only throttle. */
const progressIntervalMs = 200;

export async function download(cache: SourceCache, where: Location, expected: string | undefined, opts: DownloadOptions): Promise<CacheEntry> {
  if (where.kind === 'path') return copyLocal(cache, where.path, expected, opts.maxBytes ?? downloadDefaults.maxBytes);
  const retries = opts.retries ?? downloadDefaults.retries;
  const reporter = opts.reporter;
  const policy = {
    retries,
    backoffMs: opts.backoffMs ?? downloadDefaults.backoffMs,
    // each retry and its reason is an event, so a CI log shows why a download is slow
    ...(reporter
      ? { onRetry: (error: unknown, attempt: number, delayMs: number) => reporter.emit({ type: 'download-retry', url: where.url, attempt, attempts: retries + 1, delayMs, reason: error instanceof Error ? error.message : String(error) }) }
      : {}),
  };
  // the HTTP client (undici, ~100 ms to load) only when something is downloaded: a build from a
  // warm cache never needs it
  const { httpGet } = await import('../../util/http/request.js');
  return withRetries(async () => {
    const body = await httpGet(where.url, {
      network: opts.network,
      timeoutMs: opts.timeoutMs ?? downloadDefaults.timeoutMs,
      maxBytes: opts.maxBytes ?? downloadDefaults.maxBytes,
      minRate: opts.minRate ?? downloadDefaults.minRate,
      auth: originScopedAuth(where.url, where.credentials, opts.credentials),
      ...(opts.reporter ? { onProgress: throttledProgress(opts.reporter, where.url) } : {}),
    });
    try {
      return await cache.putStream(body.chunks, expected);
    } finally {
      body.abort();
    }
  }, policy);
}

async function copyLocal(cache: SourceCache, path: string, expected: string | undefined, maxBytes: number): Promise<CacheEntry> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new FetchFailure(`${path} is not a regular file`, { retryable: false });
    size = info.size;
  } catch (error) {
    if (error instanceof FetchFailure) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FetchFailure(code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${code ?? String(error)})`, { retryable: false, notFound: code === 'ENOENT', cause: error });
  }
  if (size > maxBytes) throw new FetchFailure(`${path} is ${size} bytes, more than the limit of ${maxBytes}`, { retryable: false });
  return cache.putFile(path, expected);
}

/** Emit the first and last event always, the ones between at most every progressIntervalMs. */
function throttledProgress(reporter: Reporter, url: string): (received: number, total: number | undefined, done: boolean) => void {
  let last = 0;
  let lastReceived = -1;
  return (received, total, done) => {
    const now = Date.now();
    // The done event always goes out: it is what ends the download's line, even when the
    // event before it already carried every byte.
    if (!done && (received === lastReceived || (received !== 0 && now - last < progressIntervalMs))) return;
    last = now;
    lastReceived = received;
    reporter.emit({ type: 'download-progress', url, received, ...(total !== undefined ? { total } : {}), ...(done ? { done } : {}) });
  };
}
