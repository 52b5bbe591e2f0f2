/**
 * Send one opened file (or a byte range of it) as an HTTP response with bounded memory: a
 * single fixed-size buffer per response is filled from the fd and handed to the socket, and the
 * next read starts only once the socket has taken the previous chunk. A client that stops
 * reading therefore pins exactly one chunk, whatever the file size; the server's idle timeout
 * (server.ts) drops it. Validators, 304 and ranges come from http-range.ts.
 *
 * Reads are synchronous, the chunk sizes bounded (1 MiB at most): out/ is a local tree the
 * page cache holds, where a read is a memory copy and a thread-pool round trip per chunk cost
 * more than the copy (a 100 MB download took 0.53 ms of CPU per MB with pool reads, 0.42 with
 * these, python's http.server 0.39). A read that misses the page cache blocks the server for
 * the disk's latency, as nginx's default (sendfile without aio) blocks its worker.
 */
import { close, closeSync, readSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentHeaders, decideRange, etagOf, isNotModified, lastModifiedOf, validatorHeaders } from './http-range.js';
import { chunkPool } from './chunk-pool.js';

export interface OpenedFile {
  readonly kind: 'file';
  /** -1 when the bytes are already in memory (body). */
  readonly fd: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** The whole file, from the small-file cache (small-cache.ts), with its validators precomputed. */
  readonly body?: Buffer;
  readonly etag?: string;
  readonly lastModified?: string;
  /** With body: the headers of a plain 200 (validators, type, length), as a flat name/value list. */
  readonly headers?: readonly string[];
}

/** Set a flat name/value list of headers (http-range.ts builds them). */
function setAll(res: ServerResponse, headers: readonly string[]): void {
  for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
}

function closeFd(f: OpenedFile): void {
  if (f.fd >= 0) closeSync(f.fd);
}

/** Bytes handed to the socket so far, for the access log. */
export interface ByteCounter {
  bytes: number;
}

/** The one buffer a response holds while it streams; also the unit of progress for the idle timeout. */
export const chunkSize = 64 * 1024;
const chunks = chunkPool(chunkSize);
/**
 * Large-file chunks: 1 MiB each, at most 16 at a time (16 MiB) whatever the clients do; the
 * rest fall back to 64 KiB. 32 in flight took 200 stalled readers past serve-limits' 50 MiB bound.
 */
export const bigChunkSize = 1024 * 1024;
const bigChunks = chunkPool(bigChunkSize, 33 * 1024 * 1024, 16);

export function sendFile(req: IncomingMessage, res: ServerResponse, rel: string, f: OpenedFile, counter: ByteCounter): void {
  const headers = req.headers;
  if (f.body && f.headers && headers.range === undefined && headers['if-none-match'] === undefined && headers['if-modified-since'] === undefined) {
    // a cached file asked for unconditionally: its headers were built once, one writeHead
    res.writeHead(200, f.headers as string[]);
    if (req.method === 'HEAD') return void res.end();
    const body = f.body;
    return void res.end(body, () => void (counter.bytes = body.length));
  }
  setAll(res, validatorHeaders(f.etag ?? etagOf(f), f.lastModified ?? lastModifiedOf(f)));
  if (isNotModified({ ifNoneMatch: headers['if-none-match'], ifModifiedSince: headers['if-modified-since'] }, f)) {
    closeFd(f);
    res.writeHead(304).end();
    return;
  }
  const ifRange = headers['if-range'];
  const range = decideRange(headers.range, Array.isArray(ifRange) ? ifRange[0] : ifRange, f);
  if (range.kind === 'unsatisfiable') {
    closeFd(f);
    res.writeHead(416, { 'Content-Range': `bytes */${f.size}`, 'Content-Length': 0 }).end();
    return;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, f.size - 1];
  const length = Math.max(0, end - start + 1);
  setAll(res, contentHeaders(rel, length));
  if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${f.size}`);
  res.writeHead(range.kind === 'partial' ? 206 : 200);
  if (req.method === 'HEAD' || length === 0) {
    closeFd(f);
    res.end();
    return;
  }
  if (f.body) return void res.end(f.body.subarray(start, start + length), () => void (counter.bytes = length));
  if (length <= chunkSize) return sendSmall(f.fd, start, length, res, counter);
  // a large file goes in big reads while few are in flight (fewer read and write calls per
  // byte); past that bound every response falls back to one 64 KiB chunk
  const chunk = length > chunkSize * 4 ? (bigChunks.tryTake() ?? chunks.take()) : chunks.take();
  pump(f.fd, start, length, res, counter, chunk.buf)
    .catch(() => void res.destroy())
    .finally(() => {
      close(f.fd, () => undefined);
      chunk.release();
    });
}

/**
 * A body of one chunk is read inline and sent with one write: out/ is a local, page-cached tree
 * and a synchronous read costs far less than a thread-pool round trip (small-file requests/s
 * doubled).
 */
function sendSmall(fd: number, start: number, length: number, res: ServerResponse, counter: ByteCounter): void {
  const body = Buffer.allocUnsafe(length);
  let got = 0;
  try {
    while (got < length) {
      const n = readSync(fd, body, got, length - got, start + got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  if (got < length) return void res.destroy(); // the file shrank: never send a short body as complete
  res.end(body, () => void (counter.bytes = got));
}

/** Copy length bytes from fd at start into res, one chunk in flight at a time. */
async function pump(fd: number, start: number, length: number, res: ServerResponse, counter: ByteCounter, buf: Buffer): Promise<void> {
  let sent = 0;
  while (sent < length) {
    if (res.destroyed) return;
    const n = readSync(fd, buf, 0, Math.min(buf.length, length - sent), start + sent);
    if (n === 0) throw new Error('file shrank while it was being sent');
    const last = sent + n === length;
    const upTo = sent + n;
    // counted in the write callback itself: the access log line is written on 'close', which
    // can come before a continuation of this loop runs
    await writeChunk(res, buf.subarray(0, n), last, () => void (counter.bytes = upTo));
    sent = upTo;
  }
}

/**
 * Resolve once the socket has taken the chunk (the buffer may then be reused), reject when the
 * client is gone first: a destroyed response may never call the write callback.
 */
function writeChunk(res: ServerResponse, chunk: Buffer, last: boolean, written: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const gone = (): void => reject(new Error('client went away'));
    res.once('close', gone);
    const done = (err?: Error | null): void => {
      res.off('close', gone);
      if (err) return reject(err);
      written();
      resolve();
    };
    if (last) res.end(chunk, (err?: Error | null) => done(err));
    else res.write(chunk, done);
  });
}
