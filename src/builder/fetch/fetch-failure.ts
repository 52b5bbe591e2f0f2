/**
 * FetchFailure: why one attempt at one location failed, in words a user can act on, and
 * whether trying the same location again could help. Internal to the fetch layer: the
 * orchestrator turns failures into positioned Diagnostics. Pure.
 */

export class FetchFailure extends Error {
  /** Network hiccups and 5xx may pass on a retry; a 404 or a size-guard refusal will not. */
  readonly retryable: boolean;
  /** True when the location simply does not have the file (404, absent in a mirror directory). */
  readonly notFound: boolean;

  constructor(message: string, options: { retryable: boolean; notFound?: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FetchFailure';
    this.retryable = options.retryable;
    this.notFound = options.notFound ?? false;
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
