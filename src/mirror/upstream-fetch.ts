/**
 * One bounded GET from the upstream mirror into a temporary file, hashing as it goes, through the
 * one HTTP client (util/http/request.ts), which enforces the bounds. Every way an upstream can
 * hold the server is bounded: connect and headers (and any gap between body
 * chunks) by timeoutMs, the whole transfer by deadlineMs, a trickle by minBytesPerSec measured
 * over each rateWindowMs, the size by the announced Content-Length and by maxBytes. A breach
 * aborts the transfer and reports 504 (too slow) or 502 (bad answer); the caller removes the
 * partial file. `cancel` aborts it when no client waits any more. With the cached copy's
 * validators it asks conditionally (a 304 is 'not-modified'). Credentials and redirects follow
 * the upstream's origin (upstream-origin.ts); no reason it returns holds a credential.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FetchFailure } from '../util/http/failure.js';
import { httpRequest } from '../util/http/request.js';
import { redactUserinfo } from '../util/credentials.js';
import type { UpstreamOrigin } from './upstream-origin.js';

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
  | { readonly kind: 'done'; readonly md5: string; readonly validators: Validators }
  /** A conditional request found the cached copy still current (304). */
  | { readonly kind: 'not-modified'; readonly validators: Validators }
  | { readonly kind: 'status'; readonly status: 404 | 502 | 504; readonly reason: string };

/** What a later conditional request sends back: the upstream's ETag and Last-Modified. */
export interface Validators {
  readonly etag?: string;
  readonly lastModified?: string;
}

export interface FetchRequest {
  readonly url: string;
  readonly tmp: string;
  readonly limits: UpstreamLimits;
  readonly origin: Pick<UpstreamOrigin, 'auth' | 'redirects' | 'addresses' | 'network'>;
  readonly cancel?: AbortSignal;
  /** Names the file in a too-large reason ('file', 'index md5.db.gz'). */
  readonly what?: string;
  /** Validators of the cached copy: sent as If-None-Match / If-Modified-Since. */
  readonly cached?: Validators;
  /** The file is itself gzip (NAME.gz): a Content-Encoding: gzip answer is kept as sent, not inflated. */
  readonly gzipFile?: boolean;
}

export async function fetchBounded(r: FetchRequest): Promise<Fetched> {
  const { limits } = r;
  try {
    const res = await httpRequest(r.url, {
      network: r.origin.network,
      timeoutMs: limits.timeoutMs,
      deadlineMs: limits.deadlineMs,
      maxBytes: limits.maxBytes,
      headers: conditionalHeaders(r.cached),
      auth: r.origin.auth,
      redirects: r.origin.redirects,
      addresses: r.origin.addresses,
      ...(limits.minBytesPerSec > 0 ? { minRate: { bytesPerSec: limits.minBytesPerSec, windowMs: limits.rateWindowMs } } : {}),
      ...(r.cancel ? { signal: r.cancel } : {}),
    });
    const validators = { ...optional('etag', res.header('etag')), ...optional('lastModified', res.header('last-modified')) };
    if (res.status === 304 && r.cached) {
      res.abort();
      return { kind: 'not-modified', validators: { ...r.cached, ...validators } };
    }
    if (res.status !== 200) {
      res.abort();
      return { kind: 'status', status: res.status === 404 || res.status === 410 ? 404 : 502, reason: `upstream answered ${res.status}` };
    }
    const decode = decoder(res.header('content-encoding'), r.gzipFile ?? false, limits.maxBytes);
    if (typeof decode === 'string') {
      res.abort();
      return { kind: 'status', status: 502, reason: decode };
    }
    const hash = createHash('md5');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline([Readable.from(res.chunks), ...decode, hashing, createWriteStream(r.tmp)]);
    return { kind: 'done', md5: hash.digest('hex'), validators };
  } catch (error) {
    const a = answer(error, limits, r.what ?? 'file');
    // the reason is sent to any client as the 502 body: no credentials, whatever the cause held
    return { ...a, reason: redactUserinfo(a.reason) };
  }
}

function conditionalHeaders(v: Validators | undefined): Record<string, string> {
  return { ...(v?.etag ? { 'if-none-match': v.etag } : {}), ...(v?.lastModified ? { 'if-modified-since': v.lastModified } : {}) };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/**
 * What to pipe the body through for its Content-Encoding (we ask for identity): nothing for
 * identity, and for a file that is itself gzip (md5.db.gz), whose bytes are the file as a
 * misconfigured server labels it; an inflate capped at the size cap for gzip on any other file
 * (a gzip bomb stops at the cap); a reason to refuse any other encoding.
 */
function decoder(encoding: string | undefined, gzipFile: boolean, cap: number): Transform[] | string {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return [];
  if (e !== 'gzip' && e !== 'x-gzip') return `upstream sent Content-Encoding ${e.slice(0, 40)}, which was not asked for`;
  if (gzipFile) return [];
  let out = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      out += chunk.length;
      if (out > cap) done(new FetchFailure(`the body inflates to more than the limit of ${cap} bytes`, { retryable: false, kind: 'too-large', limit: cap }));
      else done(null, chunk);
    },
  });
  return [createGunzip(), capped];
}

/** How serve answers a failed transfer: too slow is a 504 (Gateway Timeout), anything else a 502. */
function answer(error: unknown, limits: UpstreamLimits, what: string): Extract<Fetched, { kind: 'status' }> {
  if (/^Z_/.test((error as { code?: string }).code ?? '')) return { kind: 'status', status: 502, reason: 'upstream sent a gzip Content-Encoding that does not inflate' };
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
    case 'redirect':
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
