/**
 * The one HTTP client of tczbuild: every request (sources, registries and their tokens,
 * `serve --upstream` files, upstream indexes, the remote output cache's GET and PUT) is sent by
 * httpRequest() here, through the shared undici dispatcher (dispatcher.ts: proxies, private CA).
 * It owns every bound a transfer has, as options: a timeout for the response head and for any
 * gap between body chunks, a deadline for the whole transfer, a minimum rate, a size cap (on
 * Content-Length and on the bytes counted), a redirect policy (how many, and which targets),
 * credentials chosen per URL (so they never follow a redirect to another origin), and
 * cancellation. Every way a transfer goes wrong is a FetchFailure with a kind. It does not
 * retry (util/retry.ts), hash, write files or decide what a status means: callers do.
 */
import { STATUS_CODES } from 'node:http';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import type { Credentials } from '../credentials.js';
import { watchRate, type MinRate } from '../min-rate.js';
import { toolVersion } from '../version.js';
import { AddressRefused, dispatcher, guardedDispatcher, type AddressGuard, type NetworkSettings } from './dispatcher.js';
import { FetchFailure, isRetryableStatus, networkFailure } from './failure.js';

export interface RedirectPolicy {
  /** Redirects followed before giving up (0: a redirect is a failure). */
  readonly max: number;
  /** Why a hop from `from` to `to` is refused, or undefined to follow it (default: any http(s) URL). */
  readonly refuse?: (from: URL, to: URL) => string | undefined;
}

export interface HttpOptions {
  /** The run's proxies and private CA (the CLI makes them from its environment and --ca-file). */
  readonly network: NetworkSettings;
  readonly method?: 'GET' | 'HEAD' | 'PUT' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /** A PUT or POST body: bytes, or a file streamed from disk. */
  readonly body?: Buffer | { readonly file: string; readonly size: number };
  /** Connect and response head, and (unless idleMs says otherwise) the longest gap between two body chunks. */
  readonly timeoutMs: number;
  /** The longest gap between two body chunks, when it differs from timeoutMs. */
  readonly idleMs?: number;
  /** The whole transfer, first byte sent to last byte received. */
  readonly deadlineMs?: number;
  /** The slowest body accepted (curl's low-speed limit). */
  readonly minRate?: MinRate;
  /** Refuse bodies larger than this (announced or counted). */
  readonly maxBytes?: number;
  /** Default: up to 5 redirects to any http(s) URL for GET and HEAD; never for PUT or POST. Never https to http. */
  readonly redirects?: RedirectPolicy;
  /** Which resolved addresses every hop may connect to (checked at connect time, so DNS rebinding cannot pass). */
  readonly addresses?: AddressGuard;
  /** Credentials for each URL requested (redirects included); sent as HTTP Basic auth. */
  readonly auth?: (url: URL) => Credentials | undefined;
  /** Aborts the transfer (a FetchFailure of kind `cancelled`). */
  readonly signal?: AbortSignal;
  /** Called as body bytes arrive; `done` once the whole body is in. */
  readonly onProgress?: (received: number, total: number | undefined, done: boolean) => void;
}

export interface HttpResponse {
  readonly status: number;
  /** The URL after redirects. */
  readonly url: string;
  /** Content-Length when the server sent one. */
  readonly total: number | undefined;
  /** A response header (first value), by lower-case name. */
  header(name: string): string | undefined;
  /** The body as it arrives; iterating enforces every bound and throws a FetchFailure. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Read the whole body (a small document), refusing more than `limit` bytes. */
  bytes(limit: number): Promise<Buffer>;
  /** Drop the connection; for a consumer that fails before (or instead of) reading to the end. */
  abort(): void;
}

const reasons: Readonly<Record<number, string | undefined>> = STATUS_CODES;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
export const defaultRedirects: RedirectPolicy = { max: 5 };

/** `HTTP 503 Service Unavailable`. */
export function statusText(status: number): string {
  return `HTTP ${status}${reasons[status] ? ` ${reasons[status]}` : ''}`;
}

/** Send one request and wait for its response head (any status); the body streams from `chunks`. */
export async function httpRequest(url: string, opts: HttpOptions): Promise<HttpResponse> {
  const transfer = new Transfer(opts);
  try {
    let current = new URL(url);
    const method = opts.method ?? 'GET';
    // A request with a body is never replayed to another URL: its redirect is the answer.
    const sendsBody = method === 'PUT' || method === 'POST';
    const policy = opts.redirects ?? (sendsBody ? { max: 0 } : defaultRedirects);
    for (let hops = 0; ; hops++) {
      const res = await transfer.send(current, method);
      const location = header(res, 'location');
      if (!redirectStatuses.has(res.statusCode) || location === undefined || sendsBody) return transfer.respond(current, res);
      // The bodies of redirects are never read: drop the connection rather than drain it.
      discard(res);
      if (hops >= policy.max) throw new FetchFailure(`more than ${policy.max} redirects (last to ${location})`, { retryable: false, kind: 'redirect' });
      current = redirectTarget(current, location, policy);
    }
  } catch (error) {
    throw transfer.finish(error);
  }
}

/** httpRequest that takes only a 2xx answer: any other status is a FetchFailure of kind `status`. */
export async function httpGet(url: string, opts: HttpOptions): Promise<HttpResponse> {
  const res = await httpRequest(url, opts);
  if (res.status >= 200 && res.status <= 299) return res;
  res.abort();
  const notFound = res.status === 404 || res.status === 410;
  throw new FetchFailure(statusText(res.status), { retryable: isRetryableStatus(res.status), notFound, kind: 'status', status: res.status });
}

function redirectTarget(from: URL, location: string, policy: RedirectPolicy): URL {
  const next = new URL(location, from);
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new FetchFailure(`redirected to an unsupported URL ${next.href}`, { retryable: false, kind: 'redirect' });
  }
  // Never from https down to plain http, whatever the policy: the rest of the transfer would be
  // readable and changeable on the way (curl refuses it too for authenticated transfers).
  const refused = from.protocol === 'https:' && next.protocol === 'http:' ? 'it leads from https down to plain http' : policy.refuse?.(from, next);
  if (refused !== undefined) throw new FetchFailure(`refused the redirect from ${from.origin} to ${next.href}: ${refused}`, { retryable: false, kind: 'redirect' });
  return next;
}

type Response = Dispatcher.ResponseData;

/** The AddressRefused in an error's cause chain (undici wraps what the resolver failed with). */
function addressRefusal(error: unknown): AddressRefused | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof AddressRefused) return e;
  }
  return undefined;
}

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

/**
 * The state of one transfer across its redirects: the first bound that trips records its
 * failure and aborts, and whatever error undici then raises is reported as that failure.
 */
class Transfer {
  private readonly abort = new AbortController();
  private failure: FetchFailure | undefined;
  private readonly deadline: NodeJS.Timeout | undefined;
  private readonly onCancel = (): void => this.stop(new FetchFailure('the transfer was cancelled', { retryable: false, kind: 'cancelled' }));
  private body: Readable | undefined;
  private origin: string | undefined;

  constructor(readonly opts: HttpOptions) {
    if (opts.deadlineMs !== undefined) {
      const ms = opts.deadlineMs;
      this.deadline = setTimeout(() => this.stop(new FetchFailure(`the transfer took longer than its deadline of ${ms / 1000} s`, { retryable: true, kind: 'deadline' })), ms).unref();
    }
    if (opts.signal?.aborted) this.onCancel();
    opts.signal?.addEventListener('abort', this.onCancel);
  }

  /** Record the first failure and stop everything under way. */
  stop(failure: FetchFailure): void {
    this.failure ??= failure;
    this.abort.abort(failure);
    this.body?.destroy(failure);
  }

  /** Let go of the timers and the caller's signal: the transfer is over. */
  release(): void {
    clearTimeout(this.deadline);
    this.opts.signal?.removeEventListener('abort', this.onCancel);
  }

  /** The failure to report for `error`, the transfer released. */
  finish(error: unknown): FetchFailure {
    this.release();
    if (error instanceof FetchFailure) return this.failure ?? error;
    if ((error as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') return new FetchFailure(`no response within ${this.opts.timeoutMs} ms`, { retryable: true, kind: 'timeout', cause: error });
    const refused = addressRefusal(error);
    if (refused) return new FetchFailure(`refused to connect: ${refused.message}`, { retryable: false, kind: 'redirect', cause: error });
    return this.failure ?? networkFailure(error);
  }

  async send(url: URL, method: string): Promise<Response> {
    const ms = this.opts.timeoutMs;
    const headers: Record<string, string> = { 'user-agent': `tczbuild/${toolVersion}`, 'accept-encoding': 'identity', ...this.opts.headers };
    // An authorization header given by the caller (a registry's Bearer token) is for the origin
    // it was asked of, as curl does: a redirect to another host never sees it.
    this.origin ??= url.origin;
    if (url.origin !== this.origin) delete headers.authorization;
    const credentials = this.opts.auth?.(url);
    if (credentials) headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const body = this.opts.body;
    if (body !== undefined) {
      headers['content-type'] ??= 'application/octet-stream';
      headers['content-length'] = String(Buffer.isBuffer(body) ? body.length : body.size);
    }
    // Our own timer covers connecting too; undici's head timer is only a backstop.
    const head = setTimeout(() => this.stop(new FetchFailure(`no response within ${ms} ms`, { retryable: true, kind: 'timeout' })), ms).unref();
    try {
      return await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? body : createReadStream(body.file) }),
        dispatcher: this.opts.addresses ? guardedDispatcher(this.opts.addresses, this.opts.network) : dispatcher(this.opts.network),
        signal: this.abort.signal,
        headersTimeout: 2 * ms,
        bodyTimeout: 2 * (this.opts.idleMs ?? ms),
      });
    } finally {
      clearTimeout(head);
    }
  }

  respond(url: URL, res: Response): HttpResponse {
    const total = contentLength(res);
    const max = this.opts.maxBytes;
    if (max !== undefined && total !== undefined && total > max) {
      discard(res);
      throw new FetchFailure(`the server announces ${total} bytes, more than the limit of ${max}`, { retryable: false, kind: 'too-large', limit: max, announced: total });
    }
    this.body = res.body;
    const chunks = this.read(res.body, total);
    return {
      status: res.statusCode,
      url: url.href,
      total,
      header: (name) => header(res, name.toLowerCase()),
      chunks,
      bytes: async (limit) => {
        const parts: Uint8Array[] = [];
        let size = 0;
        for await (const c of chunks) {
          size += c.byteLength;
          if (size > limit) {
            this.stop(new FetchFailure(`the body is larger than the limit of ${limit} bytes`, { retryable: false, kind: 'too-large', limit }));
            throw this.failure;
          }
          parts.push(c);
        }
        return Buffer.concat(parts);
      },
      abort: () => {
        discard(res);
        this.release();
      },
    };
  }

  /**
   * Start reading the body at once (bytes that arrive before the consumer asks are kept, not
   * lost if the connection then drops) and yield it while counting. The idle timer and the
   * minimum-rate watch stay armed, so a server that stops sending, or trickles, fails the read.
   */
  private read(res: Readable, total: number | undefined): AsyncIterable<Uint8Array> {
    const o = this.opts;
    const idleMs = o.idleMs ?? o.timeoutMs;
    let received = 0;
    const chunks = bufferedChunks(res);
    const of = total === undefined ? '' : ` of ${total}`;
    const idle = setTimeout(() => this.stop(new FetchFailure(`the transfer stalled: no data for ${idleMs} ms after ${received}${of} bytes`, { retryable: true, kind: 'stalled' })), idleMs).unref();
    res.on('data', () => idle.refresh());
    const stopWatching = o.minRate ? watchRate(o.minRate, () => received, total, (why) => this.stop(new FetchFailure(why, { retryable: true, kind: 'too-slow' }))) : undefined;
    const self = this;
    return (async function* counted() {
      o.onProgress?.(0, total, false);
      try {
        for await (const chunk of chunks) {
          if (self.failure) throw self.failure;
          received += chunk.byteLength;
          if (o.maxBytes !== undefined && received > o.maxBytes) {
            self.stop(new FetchFailure(`the body is larger than the limit of ${o.maxBytes} bytes`, { retryable: false, kind: 'too-large', limit: o.maxBytes }));
            throw self.failure;
          }
          o.onProgress?.(received, total, false);
          yield chunk;
        }
        if (self.failure) throw self.failure;
        if (total !== undefined && received < total) throw truncated(received, total, undefined);
        o.onProgress?.(received, total, true);
      } catch (error) {
        if (self.failure) throw self.failure;
        if (error instanceof FetchFailure) throw error;
        if ((error as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT') throw new FetchFailure(`the transfer stalled: no data for ${idleMs} ms after ${received}${of} bytes`, { retryable: true, kind: 'stalled' });
        throw truncated(received, total, error);
      } finally {
        clearTimeout(idle);
        stopWatching?.();
        res.on('error', () => undefined);
        res.destroy();
        self.release();
      }
    })();
  }
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
  return new FetchFailure(`the body was cut off after ${received}${of} bytes${why}`, { retryable: true, kind: 'truncated', cause });
}
