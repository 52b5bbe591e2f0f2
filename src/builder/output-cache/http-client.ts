/**
 * The HTTP calls the remote output cache makes, and nothing else: GET a blob as a stream (a 404
 * is "absent", not an error), GET a small body, PUT a buffer or a file. All go through the
 * shared client (util/network.ts: proxies, private CA) like every other request. Every failure
 * is a FetchFailure carrying the status, if any. It never retries, hashes or writes files.
 * Credentials arrive split off the URL (util/credentials.ts) and are sent as Basic auth.
 */
import { createReadStream } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { request } from 'undici';
import { originScopedAuth, type Credentials } from '../../util/credentials.js';
import { dispatcher } from '../../util/network.js';
import { toolVersion } from '../../util/version.js';
import { FetchFailure, isRetryableStatus, networkFailure } from '../fetch/fetch-failure.js';
import { httpGet } from '../fetch/http-get.js';

export interface CacheHttpOptions {
  /** Connect and idle timeout: a server that sends nothing for this long fails the call. */
  readonly timeoutMs: number;
  readonly credentials?: Credentials | undefined;
}

/** The blob's bytes as they arrive, or undefined when the server does not have it. */
export async function getStream(url: string, o: CacheHttpOptions): Promise<AsyncIterable<Uint8Array> | undefined> {
  try {
    return (await httpGet(url, { timeoutMs: o.timeoutMs, maxRedirects: 3, auth: originScopedAuth(url, o.credentials) })).chunks;
  } catch (error) {
    if (error instanceof FetchFailure && error.notFound) return undefined;
    throw networkFailure(error);
  }
}

/** A small body (an action-cache entry) read whole, or undefined when absent. */
export async function getBytes(url: string, o: CacheHttpOptions & { readonly maxBytes: number }): Promise<Buffer | undefined> {
  try {
    const body = await httpGet(url, { timeoutMs: o.timeoutMs, maxRedirects: 3, maxBytes: o.maxBytes, auth: originScopedAuth(url, o.credentials) });
    const chunks: Buffer[] = [];
    for await (const c of body.chunks) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof FetchFailure && error.notFound) return undefined;
    throw networkFailure(error);
  }
}

/** PUT a buffer or a file; any 2xx is success (nginx answers 201 or 204, bazel-remote 200). */
export async function put(url: string, body: Buffer | { readonly file: string; readonly size: number }, o: CacheHttpOptions): Promise<void> {
  const size = Buffer.isBuffer(body) ? body.length : body.size;
  const headers: Record<string, string> = { 'user-agent': `tczbuild/${toolVersion}`, 'content-type': 'application/octet-stream', 'content-length': String(size) };
  if (o.credentials) headers.authorization = `Basic ${Buffer.from(`${o.credentials.username}:${o.credentials.password}`).toString('base64')}`;
  let status: number;
  try {
    const res = await request(url, {
      method: 'PUT',
      headers,
      body: Buffer.isBuffer(body) ? body : createReadStream(body.file),
      dispatcher: dispatcher(),
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
    });
    status = res.statusCode;
    await res.body.dump();
  } catch (error) {
    if ((error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') throw new FetchFailure(`no response within ${o.timeoutMs} ms`, { retryable: true, cause: error });
    throw networkFailure(error);
  }
  if (status < 200 || status > 299) {
    const reason = (STATUS_CODES as Record<number, string | undefined>)[status];
    throw new FetchFailure(`HTTP ${status}${reason ? ` ${reason}` : ''}`, { retryable: isRetryableStatus(status) });
  }
}
