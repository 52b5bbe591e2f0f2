/**
 * FetchFailure: why one HTTP transfer (or one attempt at one source location) failed, in words
 * a user can act on, what kind of failure it was (so a caller can answer 502 or 504, retry or
 * not, without reading the wording), and whether trying the same location again could help.
 * Callers turn failures into their own Diagnostics. Pure.
 */

/** What went wrong, for callers that map failures to their own answers (serve's 502/504). */
export type FailureKind =
  /** An HTTP status outside 2xx (`status` says which). */
  | 'status'
  /** No response head within the timeout. */
  | 'timeout'
  /** No body bytes for the idle timeout. */
  | 'stalled'
  /** Below the minimum transfer rate. */
  | 'too-slow'
  /** The whole transfer took longer than its deadline. */
  | 'deadline'
  /** Announced or sent more bytes than the cap (or inflated past the inflate cap). */
  | 'too-large'
  /** The body ended before its Content-Length. */
  | 'truncated'
  /** Too many redirects, one the redirect policy refuses, or an address the address guard refuses. */
  | 'redirect'
  /** The caller cancelled the transfer. */
  | 'cancelled'
  /** Connection-level trouble (reset, refused, DNS, TLS), or a local file problem. */
  | 'network';

export interface FailureOptions {
  readonly retryable: boolean;
  readonly notFound?: boolean;
  readonly cause?: unknown;
  readonly kind?: FailureKind;
  readonly status?: number;
  /** For too-large: the cap that was crossed, and the size the server announced if it did. */
  readonly limit?: number;
  readonly announced?: number;
}

export class FetchFailure extends Error {
  /** Network hiccups and 5xx may pass on a retry; a 404 or a size-guard refusal will not. */
  readonly retryable: boolean;
  /** True when the location simply does not have the file (404, absent in a mirror directory). */
  readonly notFound: boolean;
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly limit: number | undefined;
  readonly announced: number | undefined;

  constructor(message: string, options: FailureOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FetchFailure';
    this.retryable = options.retryable;
    this.notFound = options.notFound ?? false;
    this.kind = options.kind ?? 'network';
    this.status = options.status;
    this.limit = options.limit;
    this.announced = options.announced;
  }
}

export function isFetchFailure(error: unknown): error is FetchFailure {
  return error instanceof FetchFailure;
}

const networkCodes: Readonly<Record<string, string>> = {
  ECONNRESET: 'the connection was reset',
  ECONNREFUSED: 'the connection was refused',
  EPIPE: 'the connection was closed while sending the request',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name lookup failed temporarily',
  UND_ERR_SOCKET: 'the connection was closed early',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_CLOSED: 'the connection was closed early',
};

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Describe a socket-level error from node:http as a FetchFailure. Network trouble is retryable;
 * an untrusted TLS certificate is not (it will be just as untrusted next time).
 */
export function networkFailure(error: unknown): FetchFailure {
  if (isFetchFailure(error)) return error;
  const e = innermostCoded(error);
  if (e.code && tlsCodes.has(e.code)) {
    const what = `the server's TLS certificate is not trusted: ${e.message} (${e.code}); trust a private CA with --ca-file PEM (or NODE_EXTRA_CA_CERTS)`;
    return new FetchFailure(what, { retryable: false, cause: error });
  }
  const what = (e.code && networkCodes[e.code]) ?? `network error: ${e.message ?? String(error)}`;
  return new FetchFailure(e.code && networkCodes[e.code] ? `${what} (${e.code})` : what, { retryable: true, cause: error });
}

/** The deepest error in a cause chain that carries a code we know (undici wraps the socket's error). */
function innermostCoded(error: unknown): NodeJS.ErrnoException {
  let found = error as NodeJS.ErrnoException;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && (tlsCodes.has(code) || code in networkCodes)) found = e as NodeJS.ErrnoException;
  }
  return found;
}

/** Statuses worth retrying: server-side trouble and rate limiting. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}
