/**
 * Fall-through to an upstream TinyCore mirror for files out/ lacks (iptables.tcz,
 * original-modules-KERNEL deps our .dep files name): fetch the same path upstream, check a
 * `.tcz` against its `.md5.txt` when upstream has one, store it in a cache directory (never
 * inside out/) and hand back the cached path. Concurrent requests for one file share one
 * download. An unreachable upstream fails fast (connect/header timeout) as 502; an upstream
 * 404 stays a 404. It never serves bytes itself; server.ts does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { netFetch } from '../util/network.js';

export type UpstreamResult =
  | { readonly kind: 'cached'; readonly path: string; readonly fetched: boolean }
  | { readonly kind: 'status'; readonly status: 404 | 502; readonly reason: string };

export interface UpstreamOptions {
  readonly upstream: string;
  /** Where fetched files are kept; one subdirectory per upstream URL. */
  readonly cacheDir: string;
  /** Time allowed to connect and receive response headers, and between body chunks. */
  readonly timeoutMs?: number;
  /** Files already in out/ (to find a `.md5.txt` we publish ourselves). */
  readonly localRoot?: string;
}

export interface UpstreamCache {
  readonly dir: string;
  ensure(rel: string): Promise<UpstreamResult>;
}

export function upstreamCacheDirFor(cacheDir: string, upstream: string): string {
  return join(cacheDir, createHash('sha256').update(normalizeBase(upstream)).digest('hex').slice(0, 16));
}

function normalizeBase(url: string): string {
  return url.replace(/\/+$/, '');
}

export function createUpstreamCache(opts: UpstreamOptions): UpstreamCache {
  const dir = upstreamCacheDirFor(opts.cacheDir, opts.upstream);
  const base = normalizeBase(opts.upstream);
  const timeoutMs = opts.timeoutMs ?? 4000;
  const inflight = new Map<string, Promise<UpstreamResult>>();

  const ensure = (rel: string): Promise<UpstreamResult> => {
    const running = inflight.get(rel);
    if (running) return running;
    const p = ensureUncached(rel).finally(() => inflight.delete(rel));
    inflight.set(rel, p);
    return p;
  };

  const ensureUncached = async (rel: string): Promise<UpstreamResult> => {
    const cached = join(dir, rel);
    if (await isFile(cached)) return { kind: 'cached', path: cached, fetched: false };
    const url = `${base}/${rel.split('/').map(encodeURIComponent).join('/')}`;
    const tmp = join(dir, '.partial', `${randomBytes(8).toString('hex')}`);
    await mkdir(dirname(tmp), { recursive: true });
    try {
      const got = await download(url, tmp, timeoutMs);
      if (got.kind === 'status') return got;
      if (rel.endsWith('.tcz')) {
        const bad = await md5Problem(rel, got.md5);
        if (bad) return { kind: 'status', status: 502, reason: bad };
      }
      await mkdir(dirname(cached), { recursive: true });
      await rename(tmp, cached);
      return { kind: 'cached', path: cached, fetched: true };
    } finally {
      await rm(tmp, { force: true });
    }
  };

  /** The `.md5.txt` beside the file (ours first, else upstream's); none means no check. */
  const md5Problem = async (rel: string, actual: string): Promise<string | undefined> => {
    let text: string | undefined;
    let cachedMd5: string | undefined;
    if (opts.localRoot) text = await readFile(join(opts.localRoot, `${rel}.md5.txt`), 'utf8').catch(() => undefined);
    if (text === undefined) {
      const r = await ensure(`${rel}.md5.txt`);
      if (r.kind === 'status') return r.status === 404 ? undefined : `could not fetch ${rel}.md5.txt: ${r.reason}`;
      cachedMd5 = r.path;
      text = await readFile(r.path, 'utf8');
    }
    const expected = text.trim().split(/\s+/)[0]?.toLowerCase();
    if (expected === actual) return undefined;
    // upstream may have republished between the two downloads: forget the old .md5.txt so the
    // next request fetches both afresh instead of failing forever
    if (cachedMd5) await rm(cachedMd5, { force: true });
    return `upstream ${rel} has md5 ${actual}, its .md5.txt says ${expected ?? 'nothing'}`;
  };

  return { dir, ensure };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

type Download = { readonly kind: 'done'; readonly md5: string } | Extract<UpstreamResult, { kind: 'status' }>;

/** GET url into tmp, hashing as it goes; a stalled connect, header or body aborts. */
async function download(url: string, tmp: string, timeoutMs: number): Promise<Download> {
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(), timeoutMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(), timeoutMs);
  };
  try {
    const res = await netFetch(url, { signal: abort.signal, redirect: 'follow' });
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      return { kind: 'status', status: 404, reason: `upstream answered ${res.status}` };
    }
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return { kind: 'status', status: 502, reason: `upstream answered ${res.status}` };
    }
    const hash = createHash('md5');
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      touch();
    });
    await pipeline(body, createWriteStream(tmp));
    return { kind: 'done', md5: hash.digest('hex') };
  } catch (error) {
    const reason = abort.signal.aborted ? `upstream did not answer within ${timeoutMs}ms` : `upstream unreachable: ${describe(error)}`;
    return { kind: 'status', status: 502, reason };
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
