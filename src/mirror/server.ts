/**
 * The mirror's HTTP server (node:http): GET and HEAD of files under the mirror root, with
 * Content-Length, ETag/Last-Modified, 304s, single byte ranges (206/416) and an access log line
 * per request. Files are streamed from an fd opened after the path was resolved and checked to
 * stay inside the root (symlinks leaving the root are 403), never read whole. With an upstream
 * cache, a file the root lacks is fetched, cached and served from the cache. Path rules live in
 * http-path.ts, header rules in http-range.ts; this module only wires them to sockets and fds.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream';
import { fail } from '../diagnostics/errors.js';
import './codes.js';
import { resolveRequestPath } from './http-path.js';
import { contentTypeOf, decideRange, etagOf, isNotModified, lastModifiedOf } from './http-range.js';
import type { UpstreamCache } from './upstream-cache.js';

export interface MirrorServerOptions {
  readonly root: string;
  readonly host?: string;
  readonly port?: number;
  readonly upstream?: UpstreamCache;
  /** One line per request (Common Log Format); omit to log nothing. */
  readonly log?: (line: string) => void;
}

export interface MirrorServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stop accepting, let running transfers finish for up to graceMs, then cut the rest. */
  close(graceMs?: number): Promise<void>;
}

type Opened = { readonly kind: 'file'; readonly fd: number; readonly size: number; readonly mtimeMs: number } | { readonly kind: 'missing' } | { readonly kind: 'forbidden' };

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
  return { kind: 'file', fd, size: st.size, mtimeMs: st.mtimeMs };
}

/** Bodies up to this size are read in one call and sent with one write; larger ones stream. */
const smallBody = 64 * 1024;

export async function startMirrorServer(opts: MirrorServerOptions): Promise<MirrorServer> {
  const rootReal = await realpath(opts.root);
  const cacheReal = opts.upstream ? await realpathOrCreate(opts.upstream.dir) : undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const started = { bytes: 0 };
    res.on('close', () => opts.log?.(accessLine(req, res, started.bytes)));
    handle({ rootReal, cacheReal, upstream: opts.upstream }, req, res, started).catch(() => {
      if (!res.headersSent) sendStatus(res, 500, 'internal error');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 15_000;

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
        server.closeIdleConnections();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, graceMs).unref();
      }),
  };
}

interface Roots {
  readonly rootReal: string;
  readonly cacheReal?: string;
  readonly upstream?: UpstreamCache;
}

async function handle(roots: Roots, req: IncomingMessage, res: ServerResponse, counter: { bytes: number }): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendStatus(res, 405, 'method not allowed');
  }
  const path = resolveRequestPath(req.url ?? '/');
  if (!path.ok) return sendStatus(res, path.status, path.reason);
  let opened = openUnder(roots.rootReal, path.rel);
  if (opened.kind === 'missing' && roots.upstream && roots.cacheReal && !isCompanionOfOurs(roots.rootReal, path.rel)) {
    const got = await roots.upstream.ensure(path.rel);
    if (got.kind === 'status') return sendStatus(res, got.status, got.reason);
    opened = openUnder(roots.cacheReal, path.rel);
  }
  if (opened.kind === 'missing') return sendStatus(res, 404, 'not found');
  if (opened.kind === 'forbidden') return sendStatus(res, 403, 'forbidden');
  sendFile(req, res, path.rel, opened, counter);
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

function sendFile(req: IncomingMessage, res: ServerResponse, rel: string, f: Extract<Opened, { kind: 'file' }>, counter: { bytes: number }): void {
  const headers = req.headers;
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', etagOf(f));
  res.setHeader('Last-Modified', lastModifiedOf(f));
  if (isNotModified({ ifNoneMatch: headers['if-none-match'], ifModifiedSince: headers['if-modified-since'] }, f)) {
    closeSync(f.fd);
    res.writeHead(304).end();
    return;
  }
  const ifRange = headers['if-range'];
  const range = decideRange(headers.range, Array.isArray(ifRange) ? ifRange[0] : ifRange, f);
  if (range.kind === 'unsatisfiable') {
    closeSync(f.fd);
    res.writeHead(416, { 'Content-Range': `bytes */${f.size}`, 'Content-Length': 0 }).end();
    return;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, f.size - 1];
  res.setHeader('Content-Type', contentTypeOf(rel));
  res.setHeader('Content-Length', Math.max(0, end - start + 1));
  if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${f.size}`);
  res.writeHead(range.kind === 'partial' ? 206 : 200);
  const length = Math.max(0, end - start + 1);
  if (req.method === 'HEAD' || length === 0) {
    closeSync(f.fd);
    res.end();
    return;
  }
  if (length <= smallBody) {
    const body = Buffer.allocUnsafe(length);
    let got = 0;
    try {
      while (got < length) {
        const n = readSync(f.fd, body, got, length - got, start + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(f.fd);
    }
    counter.bytes = got;
    res.end(got === length ? body : body.subarray(0, got));
    return;
  }
  const stream = createReadStream('', { fd: f.fd, start, end, highWaterMark: 1024 * 1024, autoClose: true });
  stream.on('data', (chunk) => void (counter.bytes += chunk.length));
  pipeline(stream, res, () => undefined);
}

function sendStatus(res: ServerResponse, status: number, reason: string): void {
  const body = `${status} ${reason}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
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
    if (code === 'EADDRINUSE') fail('mirror-port-in-use', undefined, `${host}:${port} is already in use`, 'stop the other server or pick another --port');
    if (code === 'EACCES') fail('mirror-port-in-use', undefined, `binding ${host}:${port} is not permitted`, 'ports below 1024 need root: use --port 8080');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') fail('mirror-port-in-use', undefined, `${host} is not an address of this machine`, 'use 127.0.0.1, 0.0.0.0 or one of this machine\'s addresses');
    throw error;
  }
}

async function realpathOrCreate(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}

/** Common Log Format plus referer and user agent, one line per finished or aborted request. */
export function accessLine(req: IncomingMessage, res: ServerResponse, bytes: number): string {
  const when = new Date().toISOString();
  const ua = String(req.headers['user-agent'] ?? '-').replace(/"/g, "'");
  const target = String(req.url ?? '').replace(/[\x00-\x1f"\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const aborted = res.writableFinished ? '' : ' aborted';
  return `${req.socket.remoteAddress ?? '-'} - - [${when}] "${req.method ?? '-'} ${target} HTTP/${req.httpVersion}" ${res.statusCode} ${bytes} "-" "${ua}"${aborted}`;
}
