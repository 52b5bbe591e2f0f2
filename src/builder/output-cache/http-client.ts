/**
 * The HTTP calls the remote output cache makes, and nothing else: GET a blob as a stream (a 404
 * is "absent", not an error), GET a small body, PUT a buffer or a file. Every failure is a
 * FetchFailure carrying the status, if any. Kept apart so it can follow whichever HTTP client
 * the fetch layer settles on; it never retries, hashes or writes files. Credentials come from
 * the URL's userinfo (sent as Basic auth) and never appear in a message: see util/redact-url.ts.
 */
import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { toolVersion } from '../../util/version.js';
import { FetchFailure, isRetryableStatus, networkFailure } from '../fetch/fetch-failure.js';
import { httpGet } from '../fetch/http-get.js';

export interface CacheHttpOptions {
  /** Connect and idle timeout: a server that sends nothing for this long fails the call. */
  readonly timeoutMs: number;
}

/** The blob's bytes as they arrive, or undefined when the server does not have it. */
export async function getStream(url: string, o: CacheHttpOptions): Promise<AsyncIterable<Uint8Array> | undefined> {
  try {
    return (await httpGet(url, { timeoutMs: o.timeoutMs, maxRedirects: 3 })).chunks;
  } catch (error) {
    if (error instanceof FetchFailure && error.notFound) return undefined;
    throw networkFailure(error);
  }
}

/** A small body (an action-cache entry) read whole, or undefined when absent. */
export async function getBytes(url: string, o: CacheHttpOptions & { readonly maxBytes: number }): Promise<Buffer | undefined> {
  try {
    const body = await httpGet(url, { timeoutMs: o.timeoutMs, maxRedirects: 3, maxBytes: o.maxBytes });
    const chunks: Buffer[] = [];
    for await (const c of body.chunks) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof FetchFailure && error.notFound) return undefined;
    throw networkFailure(error);
  }
}

/** PUT a buffer or a file; any 2xx is success (nginx answers 201 or 204, bazel-remote 200). */
export function put(url: string, body: Buffer | { readonly file: string; readonly size: number }, o: CacheHttpOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const size = Buffer.isBuffer(body) ? body.length : body.size;
    const headers = { 'user-agent': `tczbuild/${toolVersion}`, 'content-type': 'application/octet-stream', 'content-length': String(size) };
    const req = send(target, { method: 'PUT', agent: false, timeout: o.timeoutMs, headers }, (res: IncomingMessage) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status <= 299) res.on('end', resolve).on('error', () => resolve());
      else reject(new FetchFailure(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, { retryable: isRetryableStatus(status) }));
    });
    req.on('timeout', () => req.destroy(new FetchFailure(`no response within ${o.timeoutMs} ms`, { retryable: true })));
    req.on('error', (error) => reject(networkFailure(error)));
    if (Buffer.isBuffer(body)) req.end(body);
    else createReadStream(body.file).on('error', (error) => req.destroy(error)).pipe(req);
  });
}
