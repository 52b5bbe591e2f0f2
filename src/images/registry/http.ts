/**
 * One GET to a registry through the one HTTP client (util/http/request.ts: proxies, private CA,
 * bounds), with the timeouts a build needs: a deadline for the response headers and an idle
 * timeout while the body streams (a stalled registry must not hang a build). Failures become
 * `registry-failed` diagnostics that say what broke. It knows nothing about manifests, tokens or
 * the cache.
 */
import { diag } from '../../diagnostics/diagnostic.js';
import { TczError } from '../../diagnostics/errors.js';
import { FetchFailure } from '../../util/http/failure.js';
import { httpRequest, type HttpResponse as RawResponse } from '../../util/http/request.js';
import { defaultMinRate, type MinRate } from '../../util/min-rate.js';
import type { NetworkSettings } from '../../util/network-settings.js';

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
  readonly headers: { get(name: string): string | null };
  readonly url: string;
  /** The body as chunks; iterating it enforces the idle timeout and maps a dropped connection. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Read the whole body (for small JSON documents), refusing more than `limit` bytes. */
  bytes(limit: number): Promise<Buffer>;
  /** Let go of a body we will not read. */
  discard(): Promise<void>;
}

export async function httpGet(url: string, headers: Record<string, string>, timeouts: HttpTimeouts, network: NetworkSettings, what: string): Promise<HttpResponse> {
  let res: RawResponse;
  try {
    res = await httpRequest(url, { network, headers, timeoutMs: timeouts.headersMs, idleMs: timeouts.idleMs, ...(timeouts.minRate ? { minRate: timeouts.minRate } : {}) });
  } catch (error) {
    throw new RegistryFailure(`${what}: GET ${url} failed: ${describeError(error)}`, !(error instanceof FetchFailure) || error.retryable, error);
  }
  let received = 0;
  const broke = (error: unknown): RegistryFailure => {
    if (error instanceof FetchFailure && error.kind === 'too-large') return new RegistryFailure(`${what}: ${url} sent more than ${error.limit} bytes`, false, error);
    const why =
      error instanceof FetchFailure && error.kind === 'truncated'
        ? error.message.replace(/^the body was cut off/, 'broke off')
        : error instanceof FetchFailure && error.kind === 'stalled'
          ? `broke off after ${received} bytes: no data for ${timeouts.idleMs} ms`
          : `broke off after ${received} bytes: ${describeError(error)}`;
    return new RegistryFailure(`${what}: the download from ${url} ${why}`, !(error instanceof FetchFailure) || error.retryable, error);
  };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of res.chunks) {
        received += chunk.byteLength;
        yield chunk;
      }
    } catch (error) {
      throw broke(error);
    }
  }
  return {
    status: res.status,
    headers: { get: (name) => res.header(name) ?? null },
    url: res.url,
    body: chunks(),
    async bytes(limit) {
      try {
        return await res.bytes(limit);
      } catch (error) {
        throw broke(error);
      }
    },
    async discard() {
      res.abort();
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
