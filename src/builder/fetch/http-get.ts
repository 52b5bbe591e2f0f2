/**
 * httpGet(): one GET through the shared undici client (proxies, private CA: util/network.ts)
 * that follows a bounded number of redirects and hands back the body as a stream of chunks.
 * Every way a transfer can go wrong (a status other than 2xx, a reset, a body shorter than
 * Content-Length, a stall longer than the idle timeout, a trickle below the minimum rate, a body
 * over the size guard) surfaces as a FetchFailure that says what happened. It does not retry,
 * hash or write files: download.ts composes those.
 */
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { Credentials } from '../../util/credentials.js';
import { watchRate, type MinRate } from '../../util/min-rate.js';
import { dispatcher } from '../../util/network.js';
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

const reasons: Readonly<Record<number, string | undefined>> = STATUS_CODES;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const defaultMaxRedirects = 5;

export async function httpGet(url: string, opts: HttpGetOptions): Promise<HttpBody> {
  let current = new URL(url);
  const maxRedirects = opts.maxRedirects ?? defaultMaxRedirects;
  for (let hops = 0; ; hops++) {
    const res = await send(current, opts.timeoutMs, opts.auth?.(current));
    const status = res.statusCode;
    const location = header(res, 'location');
    // The bodies of redirects and errors are never read: drop the connection rather than drain it.
    if (redirectStatuses.has(status) && location !== undefined) {
      discard(res);
      if (hops >= maxRedirects) throw new FetchFailure(`more than ${maxRedirects} redirects (last to ${location})`, { retryable: false });
      current = redirectTarget(current, location);
      continue;
    }
    if (status < 200 || status > 299) {
      discard(res);
      throw new FetchFailure(`HTTP ${status}${reasons[status] ? ` ${reasons[status]}` : ''}`, { retryable: isRetryableStatus(status), notFound: status === 404 || status === 410 });
    }
    const total = contentLength(res);
    if (opts.maxBytes !== undefined && total !== undefined && total > opts.maxBytes) {
      discard(res);
      throw new FetchFailure(`the server announces ${total} bytes, more than the limit of ${opts.maxBytes}`, { retryable: false });
    }
    return { url: current.href, total, chunks: readBody(res.body, total, opts), abort: () => discard(res) };
  }
}

function redirectTarget(from: URL, location: string): URL {
  const next = new URL(location, from);
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new FetchFailure(`redirected to an unsupported URL ${next.href}`, { retryable: false });
  }
  return next;
}

type Response = Dispatcher.ResponseData;

/** Drop a body unread. undici's body emits 'error' (aborted) when destroyed: nobody must hear it as a crash. */
function discard(res: Response): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentLength(res: Response): number | undefined {
  const raw = header(res, 'content-length');
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** Send the request through the shared client (proxies, private CA) and wait for the response head. */
async function send(url: URL, timeoutMs: number, credentials: Credentials | undefined): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': `tczbuild/${toolVersion}`, 'accept-encoding': 'identity' };
  if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  try {
    // readBody keeps the exact idle timeout; undici's coarse body timer (twice as long) is only a backstop.
    return await request(url, { method: 'GET', headers, dispatcher: dispatcher(), headersTimeout: timeoutMs, bodyTimeout: 2 * timeoutMs });
  } catch (error) {
    if ((error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') throw new FetchFailure(`no response within ${timeoutMs} ms`, { retryable: true, cause: error });
    throw networkFailure(error);
  }
}

/**
 * Start reading the body at once (bytes that arrive before the consumer asks are kept, not
 * lost if the connection then drops) and yield it while counting. An exact idle timer and the
 * minimum-rate watch stay armed, so a server that stops sending, or trickles, fails the read.
 */
function readBody(res: Readable, total: number | undefined, opts: HttpGetOptions): AsyncIterable<Uint8Array> {
  let received = 0;
  const chunks = bufferedChunks(res);
  const stalled = (): FetchFailure => {
    const of = total === undefined ? '' : ` of ${total}`;
    return new FetchFailure(`the transfer stalled: no data for ${opts.timeoutMs} ms after ${received}${of} bytes`, { retryable: true });
  };
  const idle = setTimeout(() => res.destroy(stalled()), opts.timeoutMs).unref();
  res.on('data', () => idle.refresh());
  const stopWatching = opts.minRate ? watchRate(opts.minRate, () => received, total, (why) => res.destroy(new FetchFailure(why, { retryable: true }))) : undefined;
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
      if ((error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT') throw stalled();
      throw truncated(received, total, error);
    } finally {
      clearTimeout(idle);
      stopWatching?.();
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
function bufferedChunks(res: Readable): AsyncIterable<Buffer> {
  const queue: Buffer[] = [];
  let finished = false;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => wake?.();
  const closedEarly = (): void => {
    if (!ended) failure ??= Object.assign(new Error('the connection closed early'), { code: 'ECONNRESET' });
    finished = true;
    notify();
  };
  res.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= 16) res.pause();
    notify();
  });
  res.on('end', () => ((ended = finished = true), notify()));
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
