/**
 * httpGet(): one GET over node:http/https that follows a bounded number of redirects and hands
 * back the body as a stream of chunks. Every way a transfer can go wrong (a status other than
 * 2xx, a reset, a body shorter than Content-Length, a stall longer than the idle timeout, a
 * trickle below the minimum rate, a body over the size guard) surfaces as a FetchFailure that says what happened. It does not retry,
 * hash or write files: download.ts composes those.
 */
import { get as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import { get as httpsRequest } from 'node:https';
import type { Credentials } from '../../util/credentials.js';
import { toolVersion } from '../../util/version.js';
import { FetchFailure, isRetryableStatus, networkFailure } from './fetch-failure.js';

export interface HttpGetOptions {
  /** Connect and idle timeout: no byte for this long fails the attempt. */
  readonly timeoutMs: number;
  readonly maxRedirects?: number;
  /** Refuse bodies larger than this. */
  readonly maxBytes?: number;
  /**
   * The slowest transfer accepted: fewer than `bytesPerSec` on average over any `windowMs` fails
   * the attempt (curl's low-speed limit), so a server trickling bytes cannot hold a build forever.
   */
  readonly minRate?: MinRate;
  /** Credentials for each URL requested (redirects included); sent as HTTP Basic auth. */
  readonly auth?: (url: URL) => Credentials | undefined;
  /** Called as bytes arrive; `done` once the whole body is in. */
  readonly onProgress?: (received: number, total: number | undefined, done: boolean) => void;
}

export interface HttpBody {
  /** The URL after redirects. */
  readonly url: string;
  /** Content-Length when the server sent one. */
  readonly total: number | undefined;
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Drop the connection; for a consumer that fails before (or instead of) reading to the end. */
  abort(): void;
}

export interface MinRate {
  readonly bytesPerSec: number;
  readonly windowMs: number;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const defaultMaxRedirects = 5;

export async function httpGet(url: string, opts: HttpGetOptions): Promise<HttpBody> {
  let current = new URL(url);
  const maxRedirects = opts.maxRedirects ?? defaultMaxRedirects;
  for (let hops = 0; ; hops++) {
    const { req, res } = await request(current, opts.timeoutMs, opts.auth?.(current));
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    // The bodies of redirects and errors are never read: drop the connection rather than drain it.
    if (redirectStatuses.has(status) && location !== undefined) {
      res.destroy();
      if (hops >= maxRedirects) throw new FetchFailure(`more than ${maxRedirects} redirects (last to ${location})`, { retryable: false });
      current = redirectTarget(current, location);
      continue;
    }
    if (status < 200 || status > 299) {
      res.destroy();
      const text = `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
      throw new FetchFailure(text, { retryable: isRetryableStatus(status), notFound: status === 404 || status === 410 });
    }
    const total = contentLength(res);
    if (opts.maxBytes !== undefined && total !== undefined && total > opts.maxBytes) {
      res.destroy();
      throw new FetchFailure(`the server announces ${total} bytes, more than the limit of ${opts.maxBytes}`, { retryable: false });
    }
    return { url: current.href, total, chunks: readBody(req, res, total, opts), abort: () => void res.destroy() };
  }
}

function redirectTarget(from: URL, location: string): URL {
  const next = new URL(location, from);
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new FetchFailure(`redirected to an unsupported URL ${next.href}`, { retryable: false });
  }
  return next;
}

function contentLength(res: IncomingMessage): number | undefined {
  const raw = res.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** Send the request and wait for the response head; timeouts before that fail here. */
function request(url: URL, timeoutMs: number, credentials: Credentials | undefined): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'user-agent': `tczbuild/${toolVersion}`, 'accept-encoding': 'identity' };
    if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const noResponse = (): void => void req.destroy(new FetchFailure(`no response within ${timeoutMs} ms`, { retryable: true }));
    const failed = (error: Error): void => reject(networkFailure(error));
    // agent: false gives every download its own socket, so a reset or stall never poisons a pool.
    const req = send(url, { agent: false, timeout: timeoutMs, headers }, (res) => {
      req.off('timeout', noResponse);
      req.off('error', failed);
      // From here on the body reader owns failures; a late socket error must not go unhandled.
      req.on('error', () => undefined);
      resolve({ req, res });
    });
    req.on('timeout', noResponse);
    req.on('error', failed);
  });
}

/**
 * Start reading the body at once (bytes that arrive before the consumer asks are kept, not
 * lost if the connection then drops) and yield it while counting. The socket's idle timeout
 * stays armed, so a server that stops sending mid-body fails the read instead of hanging.
 */
function readBody(req: ClientRequest, res: IncomingMessage, total: number | undefined, opts: HttpGetOptions): AsyncIterable<Uint8Array> {
  let received = 0;
  req.on('timeout', () => {
    const of = total === undefined ? '' : ` of ${total}`;
    res.destroy(new FetchFailure(`the transfer stalled: no data for ${opts.timeoutMs} ms after ${received}${of} bytes`, { retryable: true }));
  });
  const chunks = bufferedChunks(res);
  const rate = opts.minRate;
  let checked = 0;
  const slow = rate && setInterval(() => {
    const got = received - checked;
    checked = received;
    if (got * 1000 >= rate.bytesPerSec * rate.windowMs) return;
    const perSec = Math.round((got * 1000) / rate.windowMs);
    const of = total === undefined ? '' : ` of ${total}`;
    const why = `the transfer is too slow: ${got} bytes in the last ${rate.windowMs / 1000} s (${perSec} B/s, after ${received}${of} bytes), below the minimum of ${rate.bytesPerSec} B/s`;
    res.destroy(new FetchFailure(why, { retryable: true }));
  }, rate.windowMs).unref();
  return (async function* counted() {
    opts.onProgress?.(0, total, false);
    try {
      for await (const chunk of chunks) {
        received += chunk.byteLength;
        if (opts.maxBytes !== undefined && received > opts.maxBytes) {
          throw new FetchFailure(`the body is larger than the limit of ${opts.maxBytes} bytes`, { retryable: false });
        }
        opts.onProgress?.(received, total, false);
        yield chunk;
      }
    } catch (error) {
      if (error instanceof FetchFailure) throw error;
      throw truncated(received, total, error);
    } finally {
      if (slow) clearInterval(slow);
      res.destroy();
    }
    if (total !== undefined && received < total) throw truncated(received, total, undefined);
    opts.onProgress?.(received, total, true);
  })();
}

/**
 * The response's chunks, read in flowing mode from the moment this is called. Node's own stream
 * iterator discards buffered bytes when the connection drops, which would misreport how much of
 * a cut-off body arrived; here every received chunk is handed on before the failure is.
 */
function bufferedChunks(res: IncomingMessage): AsyncIterable<Buffer> {
  const queue: Buffer[] = [];
  let finished = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => wake?.();
  const closedEarly = (): void => {
    if (!res.complete) failure ??= Object.assign(new Error('the connection closed early'), { code: 'ECONNRESET' });
    finished = true;
    notify();
  };
  res.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= 16) res.pause();
    notify();
  });
  res.on('end', () => ((finished = true), notify()));
  res.on('error', (error) => ((failure ??= error), (finished = true), notify()));
  res.on('close', closedEarly);
  if (res.destroyed) closedEarly();
  return (async function* drain() {
    for (;;) {
      const chunk = queue.shift();
      if (chunk !== undefined) {
        if (queue.length < 4) res.resume();
        yield chunk;
      } else if (finished) {
        if (failure !== undefined) throw failure;
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    }
  })();
}

function truncated(received: number, total: number | undefined, cause: unknown): FetchFailure {
  const of = total === undefined ? '' : ` of ${total}`;
  const why = cause === undefined ? '' : ` (${networkFailure(cause).message})`;
  return new FetchFailure(`the body was cut off after ${received}${of} bytes${why}`, { retryable: true, cause });
}
