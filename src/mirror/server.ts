/**
 * The mirror's HTTP server (node:http): GET and HEAD of files under the mirror root, with
 * Content-Length, ETag/Last-Modified, 304s, single byte ranges (206/416) and an access log line
 * per request. Files are streamed from an fd opened after the path was resolved and checked to
 * stay inside the root (symlinks leaving the root are 403), one bounded chunk at a time
 * (send-file.ts). Every resource a client can hold is bounded: a connection cap (logged when it
 * turns clients away) and an idle timeout that drops a client which stops reading. With an
 * upstream cache, a file the root lacks is fetched, cached and served from the cache. Path rules
 * live in http-path.ts; this module only wires them to sockets and fds.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, sep } from 'node:path';
import { fail } from '../diagnostics/errors.js';
import { resolveRequestPath } from './http-path.js';
import { sendFile, type ByteCounter, type OpenedFile } from './send-file.js';
import { SmallFileCache } from './small-cache.js';
import type { UpstreamCache } from './upstream-cache.js';

export interface MirrorServerOptions {
  readonly root: string;
  readonly host?: string;
  readonly port?: number;
  readonly upstream?: UpstreamCache;
  /** One line per request (Common Log Format) and limit notices; omit to log nothing. */
  readonly log?: (line: string) => void;
  /** Connections beyond this are closed at once (and logged). */
  readonly maxConnections?: number;
  /** A connection that sends nothing and takes no bytes for this long is dropped. */
  readonly idleTimeoutMs?: number;
  /**
   * Small files are kept in memory and dropped on inotify events (small-cache.ts); an entry this
   * old is also compared with a stat(), for events the kernel lost. Default 1000.
   */
  readonly smallFileRecheckMs?: number;
}

export const defaultLimits = { maxConnections: 1024, idleTimeoutMs: 60_000 } as const;

export interface MirrorServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stop accepting, let running transfers finish for up to graceMs, then cut the rest. */
  close(graceMs?: number): Promise<void>;
}

type Opened = (OpenedFile & { readonly path: string; readonly stats: Stats }) | { readonly kind: 'missing' } | { readonly kind: 'forbidden' };

/**
 * Open rel under root, refusing anything whose real path leaves root or is not a regular file.
 * Synchronous on purpose: out/ is a local, page-cached tree, and three syscalls inline cost far
 * less than three thread-pool round trips per request (small-file requests/s doubled).
 */
function openUnder(rootReal: string, rel: string): Opened {
  let real: string;
  try {
    real = realpathSync.native(join(rootReal, rel));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'forbidden' };
  }
  if (!real.startsWith(rootReal + sep)) return { kind: 'forbidden' };
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch {
    return { kind: 'forbidden' };
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return { kind: 'missing' };
  }
  return { kind: 'file', fd, size: st.size, mtimeMs: st.mtimeMs, path: real, stats: st };
}

export async function startMirrorServer(opts: MirrorServerOptions): Promise<MirrorServer> {
  const rootReal = await realpath(opts.root);
  const cacheReal = opts.upstream ? await realpathOrCreate(opts.upstream.dir) : undefined;
  const idleMs = opts.idleTimeoutMs ?? defaultLimits.idleTimeoutMs;
  const small = new SmallFileCache(rootReal, { recheckMs: opts.smallFileRecheckMs });
  const roots: Roots = { rootReal, cacheReal, upstream: opts.upstream, idleMs, small };
  const log = opts.log;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const counter: ByteCounter = { bytes: 0 };
    if (log) res.on('close', () => log(accessLine(req, res, counter.bytes)));
    const failed = (): void => {
      if (!res.headersSent) sendStatus(res, 500, 'internal error', counter);
      else res.destroy();
    };
    try {
      handle(roots, req, res, counter)?.catch(failed);
    } catch {
      failed();
    }
  });
  server.keepAliveTimeout = 15_000;
  // a client that takes no bytes (or sends no request) for idleMs is dropped: a stalled reader
  // holds one chunk (send-file.ts) until then, never more
  server.timeout = idleMs;
  server.maxConnections = opts.maxConnections ?? defaultLimits.maxConnections;
  server.on('drop', dropLogger(server.maxConnections, opts.log));

  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0);
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${urlHost}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        small.close();
        server.closeIdleConnections();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, graceMs).unref();
      }),
  };
}

interface Roots {
  readonly small: SmallFileCache;
  readonly idleMs: number;
  readonly rootReal: string;
  readonly cacheReal?: string;
  readonly upstream?: UpstreamCache;
}

/**
 * Answer one request. Synchronous but for the upstream fall-through, which returns a promise:
 * a hit in the small-file cache allocates no promise and makes no system call.
 */
function handle(roots: Roots, req: IncomingMessage, res: ServerResponse, counter: ByteCounter): Promise<void> | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return void sendStatus(res, 405, 'method not allowed', counter);
  }
  const path = resolveRequestPath(req.url ?? '/');
  if (!path.ok) return void sendStatus(res, path.status, path.reason, counter);
  const abs = join(roots.rootReal, path.rel);
  const hit = roots.small.get(abs);
  if (hit) return void sendFile(req, res, path.rel, hit, counter);
  const opened = openUnder(roots.rootReal, path.rel);
  if (opened.kind === 'missing' && roots.upstream && roots.cacheReal && !isCompanionOfOurs(roots.rootReal, path.rel)) return fromUpstream(roots, req, res, path.rel, counter);
  return void send(roots, req, res, path.rel, opened, abs, counter);
}

/** A file the root lacks, fetched (or revalidated) into the upstream cache and sent from there. */
async function fromUpstream(roots: Roots, req: IncomingMessage, res: ServerResponse, rel: string, counter: ByteCounter): Promise<void> {
  // the upstream's own deadline bounds this wait; the idle timeout must not cut it short
  req.socket.setTimeout(0);
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  res.once('close', onClose);
  const got = await roots.upstream!.ensure(rel, gone.signal).finally(() => res.off('close', onClose));
  if (res.destroyed) return;
  req.socket.setTimeout(roots.idleMs);
  if (got.kind === 'status') return sendStatus(res, got.status, got.reason, counter);
  // never kept in the small-file cache: every request of an upstream file goes through ensure()
  send(roots, req, res, rel, openUnder(roots.cacheReal!, rel), undefined, counter);
}

/** Send what openUnder found; a small file under the root reached without symlinks (its real path is abs) is kept in memory first. */
function send(roots: Roots, req: IncomingMessage, res: ServerResponse, rel: string, opened: Opened, abs: string | undefined, counter: ByteCounter): void {
  if (opened.kind === 'missing') return sendStatus(res, 404, 'not found', counter);
  if (opened.kind === 'forbidden') return sendStatus(res, 403, 'forbidden', counter);
  const cacheable = opened.path === abs && opened.size <= roots.small.maxEntryBytes;
  sendFile(req, res, rel, (cacheable && readIntoCache(roots.small, opened)) || opened, counter);
}

/**
 * A small file's whole body into the cache (the fd is closed); undefined, fd still open, when it
 * does not fit or changed size while read.
 */
function readIntoCache(cache: SmallFileCache, f: OpenedFile & { readonly path: string; readonly stats: Stats }): OpenedFile | undefined {
  const body = Buffer.allocUnsafe(f.size);
  let got = 0;
  for (let n = -1; got < f.size && n !== 0; got += n) n = readSync(f.fd, body, got, f.size - got, got);
  if (got !== f.size) return undefined;
  const e = cache.put(f.path, body, f.stats);
  if (!e) return undefined;
  closeSync(f.fd);
  return e;
}

/**
 * A missing NAME.tcz.dep (or .tree, .info, …) of an extension we publish means "none": asking
 * upstream could return the dependencies of an unrelated upstream extension of the same name.
 */
function isCompanionOfOurs(rootReal: string, rel: string): boolean {
  const m = /^(.+\.tcz)\.[^/]+$/.exec(rel);
  if (!m?.[1]) return false;
  try {
    return statSync(join(rootReal, m[1])).isFile();
  } catch {
    return false;
  }
}

function sendStatus(res: ServerResponse, status: number, reason: string, counter: ByteCounter): void {
  const body = res.req.method === 'HEAD' ? undefined : Buffer.from(`${status} ${reason}\n`);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(`${status} ${reason}\n`) });
  res.end(body, () => void (counter.bytes = body?.length ?? 0));
}

/**
 * One log line when the connection cap turns clients away, then at most one a minute with the
 * count since: a flood must not become a flood of log lines.
 */
function dropLogger(max: number, log: ((line: string) => void) | undefined): (data?: { remoteAddress?: string }) => void {
  let dropped = 0;
  let lastLog = 0;
  return (data) => {
    dropped++;
    const now = Date.now();
    if (now - lastLog < 60_000) return;
    lastLog = now;
    log?.(`connection limit reached: ${max} clients connected, refused ${dropped} connection(s) (latest from ${data?.remoteAddress ?? '?'}); raise it with --max-connections`);
    dropped = 0;
  };
}

/** Bind, turning the usual failures (port taken, privileged port, unknown address) into diagnostics. */
async function listen(server: Server, host: string, port: number): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail('mirror-port-in-use', undefined, `${host}:${port} is already in use`, 'stop the other server or pick another --port', error);
    if (code === 'EACCES') fail('mirror-port-in-use', undefined, `binding ${host}:${port} is not permitted`, 'ports below 1024 need root: use --port 8080', error);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') fail('mirror-port-in-use', undefined, `${host} is not an address of this machine`, 'use 127.0.0.1, 0.0.0.0 or one of this machine\'s addresses', error);
    throw error;
  }
}

async function realpathOrCreate(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}

let stampMs = -1;
let stamp = '';

/** The current time as ISO 8601, formatted once per millisecond however many lines share it. */
function isoNow(): string {
  const t = Date.now();
  if (t !== stampMs) {
    stampMs = t;
    stamp = new Date(t).toISOString();
  }
  return stamp;
}

/** Common Log Format plus referer and user agent, one line per finished or aborted request. */
export function accessLine(req: IncomingMessage, res: ServerResponse, bytes: number): string {
  const when = isoNow();
  const ua = String(req.headers['user-agent'] ?? '-').replace(/"/g, "'");
  const target = String(req.url ?? '').replace(/[\x00-\x1f"\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const aborted = res.writableFinished ? '' : ' aborted';
  return `${req.socket.remoteAddress ?? '-'} - - [${when}] "${req.method ?? '-'} ${target} HTTP/${req.httpVersion}" ${res.statusCode} ${bytes} "-" "${ua}"${aborted}`;
}
