/**
 * One HTTP request to a registry with the timeouts a build needs: a deadline for the response
 * headers and an idle timeout while the body streams (a stalled registry must not hang a
 * build). Network errors become `registry-failed` diagnostics that say what broke. It knows
 * nothing about manifests, tokens or the cache.
 */
import '../codes.js';
import { diag } from '../../diagnostics/diagnostic.js';
import { TczError } from '../../diagnostics/errors.js';
import { defaultMinRate, watchRate, type MinRate } from '../../util/min-rate.js';
import { netFetch } from '../../util/network.js';

/** `registry-failed`, plus whether the same request could succeed a moment later. */
export class RegistryFailure extends TczError {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, cause?: unknown) {
    super([diag('registry-failed', undefined, message)], cause === undefined ? undefined : { cause });
    this.retryable = retryable;
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof RegistryFailure && error.retryable;
}

export interface HttpTimeouts {
  /** Until the response headers arrive. */
  readonly headersMs: number;
  /** Longest pause between two body chunks. */
  readonly idleMs: number;
  /** The slowest body accepted (a registry trickling bytes must not hold a build for days). */
  readonly minRate?: MinRate;
}

export const defaultTimeouts: HttpTimeouts = { headersMs: 30_000, idleMs: 60_000, minRate: defaultMinRate };

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly url: string;
  /** The body as chunks; iterating it enforces the idle timeout and maps a dropped connection. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Read the whole body (for small JSON documents), refusing more than `limit` bytes. */
  bytes(limit: number): Promise<Buffer>;
  /** Let go of a body we will not read. */
  discard(): Promise<void>;
}

export async function httpGet(url: string, headers: Record<string, string>, timeouts: HttpTimeouts, what: string): Promise<HttpResponse> {
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(new Error(`no response within ${timeouts.headersMs} ms`)), timeouts.headersMs);
  let res: Awaited<ReturnType<typeof netFetch>>;
  try {
    // The shared client: HTTP(S)_PROXY, NO_PROXY and --ca-file apply to registries too.
    res = await netFetch(url, { headers, signal: abort.signal, redirect: 'follow' });
  } catch (error) {
    clearTimeout(timer);
    throw new RegistryFailure(`${what}: GET ${url} failed: ${describeError(error)}`, true, error);
  }
  clearTimeout(timer);
  const stream = res.body;
  const declared = Number(res.headers.get('content-length') ?? NaN);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (!stream) return;
    const reader = stream.getReader();
    let received = 0;
    const total = Number.isFinite(declared) ? declared : undefined;
    const stopWatching = timeouts.minRate ? watchRate(timeouts.minRate, () => received, total, (why) => abort.abort(new Error(why))) : undefined;
    try {
      for (;;) {
        timer = setTimeout(() => abort.abort(new Error(`no data for ${timeouts.idleMs} ms`)), timeouts.idleMs);
        let step: Awaited<ReturnType<typeof reader.read>>;
        try {
          step = await reader.read();
        } catch (error) {
          throw new RegistryFailure(`${what}: the download from ${url} broke off after ${received} bytes: ${describeError(error)}`, true, error);
        } finally {
          clearTimeout(timer);
        }
        if (step.done) {
          // A connection closed early can also end the body quietly: judge it by the length the server announced.
          if (Number.isFinite(declared) && received < declared) {
            throw new RegistryFailure(`${what}: the download from ${url} broke off after ${received} of ${declared} bytes`, true);
          }
          return;
        }
        received += step.value.byteLength;
        yield step.value;
      }
    } finally {
      stopWatching?.();
      reader.releaseLock();
      if (!abort.signal.aborted) abort.abort(new Error('body no longer needed'));
    }
  }
  const body = chunks();
  return {
    status: res.status,
    headers: res.headers,
    url: res.url || url,
    body,
    async bytes(limit) {
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const c of body) {
        size += c.byteLength;
        if (size > limit) throw new RegistryFailure(`${what}: ${url} sent more than ${limit} bytes`, false);
        parts.push(c);
      }
      return Buffer.concat(parts);
    },
    async discard() {
      // An unstarted generator skips its finally: abort here so the connection is let go.
      await body.return(undefined);
      if (!abort.signal.aborted) abort.abort(new Error('body not needed'));
    },
  };
}

const networkWords: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name lookup failed for now',
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

/** fetch() hides the useful part (ECONNREFUSED, "other side closed") in error.cause. */
export function describeError(error: unknown): string {
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && networkWords[code]) return `${networkWords[code]} (${code})`;
  }
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && parts.length < 4; e = (e as { cause?: unknown }).cause) {
    const err = e as { message?: string; code?: string };
    const text = err.code && !String(err.message).includes(err.code) ? `${err.message} (${err.code})` : String(err.message ?? e);
    if (!parts.includes(text)) parts.push(text);
  }
  return parts.join(': ');
}
