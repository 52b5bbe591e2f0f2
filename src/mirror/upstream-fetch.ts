/**
 * One bounded GET from the upstream mirror into a temporary file, hashing as it goes, through the
 * one HTTP client (util/http/request.ts), which enforces the bounds. Every way an upstream can
 * hold the server is bounded: connect and headers (and any gap between body
 * chunks) by timeoutMs, the whole transfer by deadlineMs, a trickle by minBytesPerSec measured
 * over each rateWindowMs, the size by the announced Content-Length and by maxBytes. A breach
 * aborts the transfer and reports 504 (too slow) or 502 (bad answer); the caller removes the
 * partial file. `cancel` aborts it when no client waits any more.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FetchFailure } from '../util/http/failure.js';
import { httpRequest } from '../util/http/request.js';

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
  /**
   * Largest mirror index (md5.db.gz, info.lst.gz, …) fetched. Real ones are well under a MiB;
   * anything near this is not an index, and the client that asked would load it whole.
   */
  readonly maxIndexBytes: number;
}

export const defaultUpstreamLimits: UpstreamLimits = {
  timeoutMs: 4000,
  deadlineMs: 10 * 60_000,
  minBytesPerSec: 16 * 1024,
  rateWindowMs: 15_000,
  maxBytes: 1024 * 1024 * 1024,
  maxIndexBytes: 32 * 1024 * 1024,
};

export type Fetched =
  | { readonly kind: 'done'; readonly md5: string }
  | { readonly kind: 'status'; readonly status: 404 | 502 | 504; readonly reason: string };

/** `what` names the file in a too-large reason ('file', 'index'). */
export async function fetchBounded(url: string, tmp: string, limits: UpstreamLimits, cancel?: AbortSignal, what = 'file'): Promise<Fetched> {
  try {
    const res = await httpRequest(url, {
      timeoutMs: limits.timeoutMs,
      deadlineMs: limits.deadlineMs,
      maxBytes: limits.maxBytes,
      ...(limits.minBytesPerSec > 0 ? { minRate: { bytesPerSec: limits.minBytesPerSec, windowMs: limits.rateWindowMs } } : {}),
      ...(cancel ? { signal: cancel } : {}),
    });
    if (res.status !== 200) {
      res.abort();
      return { kind: 'status', status: res.status === 404 || res.status === 410 ? 404 : 502, reason: `upstream answered ${res.status}` };
    }
    const hash = createHash('md5');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.from(res.chunks), hashing, createWriteStream(tmp));
    return { kind: 'done', md5: hash.digest('hex') };
  } catch (error) {
    return answer(error, limits, what);
  }
}

/** How serve answers a failed transfer: too slow is a 504 (Gateway Timeout), anything else a 502. */
function answer(error: unknown, limits: UpstreamLimits, what: string): Extract<Fetched, { kind: 'status' }> {
  if (!(error instanceof FetchFailure)) return { kind: 'status', status: 502, reason: `upstream unreachable: ${describe(error)}` };
  switch (error.kind) {
    case 'timeout':
      return { kind: 'status', status: 504, reason: `upstream did not answer within ${limits.timeoutMs}ms` };
    case 'stalled':
      return { kind: 'status', status: 504, reason: `upstream sent nothing for ${limits.timeoutMs}ms` };
    case 'too-slow':
      return { kind: 'status', status: 504, reason: `upstream: ${error.message}` };
    case 'deadline':
      return { kind: 'status', status: 504, reason: `upstream did not deliver the file within ${limits.deadlineMs / 1000}s` };
    case 'too-large':
      return { kind: 'status', status: 502, reason: error.announced === undefined ? `upstream ${what} exceeds the ${error.limit}-byte cap` : `upstream ${what} is ${error.announced} bytes, over the ${error.limit}-byte cap` };
    case 'truncated':
      return { kind: 'status', status: 502, reason: `upstream: ${error.message}` };
    case 'cancelled':
      return { kind: 'status', status: 502, reason: 'every client waiting for it went away' };
    default:
      return { kind: 'status', status: 502, reason: `upstream unreachable: ${describe(error)}` };
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
