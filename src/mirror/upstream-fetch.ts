/**
 * One bounded GET from the upstream mirror into a temporary file, hashing as it goes. Every way
 * an upstream can hold the server is bounded: connect and headers (and any gap between body
 * chunks) by timeoutMs, the whole transfer by deadlineMs, a trickle by minBytesPerSec measured
 * over each rateWindowMs, the size by the announced Content-Length and by maxBytes. A breach
 * aborts the transfer and reports 504 (too slow) or 502 (bad answer); the caller removes the
 * partial file. `cancel` aborts it when no client waits any more.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { watchRate } from '../util/min-rate.js';
import { netFetch } from '../util/network.js';

export interface UpstreamLimits {
  /** Connect and response headers, and the longest gap between two body chunks. */
  readonly timeoutMs: number;
  /** The whole transfer, headers to last byte. */
  readonly deadlineMs: number;
  /** Fewer bytes than this per second over a rate window aborts the transfer. */
  readonly minBytesPerSec: number;
  readonly rateWindowMs: number;
  /** Largest file fetched; a larger Content-Length is refused before the body is read. */
  readonly maxBytes: number;
}

export const defaultUpstreamLimits: UpstreamLimits = {
  timeoutMs: 4000,
  deadlineMs: 10 * 60_000,
  minBytesPerSec: 16 * 1024,
  rateWindowMs: 15_000,
  maxBytes: 1024 * 1024 * 1024,
};

export type Fetched =
  | { readonly kind: 'done'; readonly md5: string }
  | { readonly kind: 'status'; readonly status: 404 | 502 | 504; readonly reason: string };

export async function fetchBounded(url: string, tmp: string, limits: UpstreamLimits, cancel?: AbortSignal): Promise<Fetched> {
  const abort = new AbortController();
  let failure: Extract<Fetched, { kind: 'status' }> | undefined;
  const stop = (status: 502 | 504, reason: string): void => {
    failure ??= { kind: 'status', status, reason };
    abort.abort();
  };
  const onCancel = (): void => stop(502, 'every client waiting for it went away');
  if (cancel?.aborted) onCancel();
  cancel?.addEventListener('abort', onCancel);
  let idle = setTimeout(() => stop(504, `upstream did not answer within ${limits.timeoutMs}ms`), limits.timeoutMs);
  const deadline = setTimeout(() => stop(504, `upstream did not deliver the file within ${limits.deadlineMs / 1000}s`), limits.deadlineMs);
  let stopRate = (): void => undefined;
  try {
    const res = await netFetch(url, { signal: abort.signal, redirect: 'follow' });
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      return { kind: 'status', status: 404, reason: `upstream answered ${res.status}` };
    }
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return { kind: 'status', status: 502, reason: `upstream answered ${res.status}` };
    }
    const announced = Number(res.headers.get('content-length') ?? NaN);
    if (announced > limits.maxBytes) {
      await res.body.cancel();
      return { kind: 'status', status: 502, reason: `upstream file is ${announced} bytes, over the ${limits.maxBytes}-byte cap` };
    }
    const cap = Number.isFinite(announced) ? announced : limits.maxBytes;
    let total = 0;
    if (limits.minBytesPerSec > 0) {
      const rate = { bytesPerSec: limits.minBytesPerSec, windowMs: limits.rateWindowMs };
      stopRate = watchRate(rate, () => total, Number.isFinite(announced) ? announced : undefined, (message) => stop(504, `upstream: ${message}`));
    }
    const hash = createHash('md5');
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > cap) stop(502, Number.isFinite(announced) ? `upstream sent more than the ${announced} bytes it announced` : `upstream file exceeds the ${limits.maxBytes}-byte cap`);
      hash.update(chunk);
      clearTimeout(idle);
      idle = setTimeout(() => stop(504, `upstream sent nothing for ${limits.timeoutMs}ms`), limits.timeoutMs);
    });
    await pipeline(body, createWriteStream(tmp));
    if (failure) return failure;
    if (Number.isFinite(announced) && total < announced) return { kind: 'status', status: 502, reason: `upstream sent ${total} of ${announced} bytes` };
    return { kind: 'done', md5: hash.digest('hex') };
  } catch (error) {
    return failure ?? { kind: 'status', status: 502, reason: `upstream unreachable: ${describe(error)}` };
  } finally {
    clearTimeout(idle);
    clearTimeout(deadline);
    stopRate();
    cancel?.removeEventListener('abort', onCancel);
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
