/**
 * Fall-through to an upstream TinyCore mirror for files out/ lacks (iptables.tcz,
 * original-modules-KERNEL deps our .dep files name): fetch the same path upstream, check a
 * `.tcz` against its `.md5.txt` when upstream has one, store it in a cache directory (never
 * inside out/) and hand back the cached path. Concurrent requests for one file share one
 * download, which is cancelled once every client waiting for it has gone. Transfers are bounded
 * (upstream-fetch.ts): an unreachable or bad upstream is a 502, a slow one a 504 in bounded
 * time, and the partial file is removed; an upstream 404 stays a 404. Partial files are named
 * after their server's pid, so the ones a killed serve left are swept when the next one starts.
 * It never serves bytes itself; server.ts does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { isProcessAlive } from '../util/process.js';
import { dirname, join } from 'node:path';
import { indexFileNames } from './index-parse.js';
import { defaultUpstreamLimits, fetchBounded, type UpstreamLimits } from './upstream-fetch.js';

export type UpstreamResult =
  | { readonly kind: 'cached'; readonly path: string; readonly fetched: boolean }
  | { readonly kind: 'status'; readonly status: 404 | 502 | 504; readonly reason: string };

export interface UpstreamOptions {
  readonly upstream: string;
  /** Where fetched files are kept; one subdirectory per upstream URL. */
  readonly cacheDir: string;
  /** Time allowed to connect and receive response headers, and between body chunks. */
  readonly timeoutMs?: number;
  /** Size, deadline and rate bounds of one transfer (defaults: defaultUpstreamLimits). */
  readonly limits?: Partial<UpstreamLimits>;
  /** Files already in out/ (to find a `.md5.txt` we publish ourselves). */
  readonly localRoot?: string;
}

export interface UpstreamCache {
  readonly dir: string;
  /** Fetch rel unless cached; `gone` says the asking client left (the last one leaving cancels). */
  ensure(rel: string, gone?: AbortSignal): Promise<UpstreamResult>;
}

export function upstreamCacheDirFor(cacheDir: string, upstream: string): string {
  return join(cacheDir, createHash('sha256').update(normalizeBase(upstream)).digest('hex').slice(0, 16));
}

function normalizeBase(url: string): string {
  return url.replace(/\/+$/, '');
}

export function createUpstreamCache(opts: UpstreamOptions): UpstreamCache {
  const dir = upstreamCacheDirFor(opts.cacheDir, opts.upstream);
  const swept = sweepDeadPartials(join(dir, '.partial'));
  const base = normalizeBase(opts.upstream);
  const limits: UpstreamLimits = { ...defaultUpstreamLimits, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...opts.limits };
  const inflight = new Map<string, Flight>();

  const ensure = (rel: string, gone?: AbortSignal): Promise<UpstreamResult> => {
    let flight = inflight.get(rel);
    if (!flight || flight.cancel.signal.aborted) {
      const cancel = new AbortController();
      const created: Flight = { waiters: 0, cancel, result: Promise.resolve({ kind: 'status', status: 502, reason: 'not started' }) };
      created.result = ensureUncached(rel, cancel.signal).finally(() => {
        if (inflight.get(rel) === created) inflight.delete(rel);
      });
      inflight.set(rel, created);
      flight = created;
    }
    join1(flight, gone);
    return flight.result;
  };

  const ensureUncached = async (rel: string, cancel: AbortSignal): Promise<UpstreamResult> => {
    const cached = join(dir, rel);
    if (await isFile(cached)) return { kind: 'cached', path: cached, fetched: false };
    const url = `${base}/${rel.split('/').map(encodeURIComponent).join('/')}`;
    await swept;
    const tmp = join(dir, '.partial', `${process.pid}-${randomBytes(8).toString('hex')}`);
    await mkdir(dirname(tmp), { recursive: true });
    try {
      // An index is read whole by whoever asked for it: it gets its own, much smaller cap.
      const index = isIndexFile(rel);
      const bounds = index ? { ...limits, maxBytes: Math.min(limits.maxBytes, limits.maxIndexBytes) } : limits;
      const got = await fetchBounded(url, tmp, bounds, cancel, index ? `index ${rel.split('/').pop() ?? rel}` : 'file');
      if (got.kind === 'status') return got;
      if (rel.endsWith('.tcz')) {
        const bad = await md5Problem(rel, got.md5, cancel);
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
  const md5Problem = async (rel: string, actual: string, cancel: AbortSignal): Promise<string | undefined> => {
    let text: string | undefined;
    let cachedMd5: string | undefined;
    if (opts.localRoot) text = await readFile(join(opts.localRoot, `${rel}.md5.txt`), 'utf8').catch(() => undefined);
    if (text === undefined) {
      const r = await ensure(`${rel}.md5.txt`, cancel);
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

interface Flight {
  waiters: number;
  readonly cancel: AbortController;
  result: Promise<UpstreamResult>;
}

/** Count one more client waiting on flight; when the last one with a signal leaves, cancel it. */
function join1(flight: Flight, gone: AbortSignal | undefined): void {
  flight.waiters++;
  if (!gone) return; // an internal caller that never leaves
  const leave = (): void => {
    if (--flight.waiters === 0) flight.cancel.abort();
  };
  if (gone.aborted) return leave();
  gone.addEventListener('abort', leave, { once: true });
  // then(f, f), not finally(): a failed fetch is answered to its callers; this chain must not
  // turn it into an unhandled rejection that ends the server.
  const forget = (): void => gone.removeEventListener('abort', leave);
  void flight.result.then(forget, forget);
}

const indexNames = new Set<string>(indexFileNames.flatMap((n) => [n, `${n}.gz`]));

/** md5.db.gz, info.lst, … : a mirror-wide index, as opposed to an extension or its companions. */
function isIndexFile(rel: string): boolean {
  return indexNames.has(rel.split('/').pop() ?? '');
}

/** Remove partial files of servers that died mid-transfer (kill -9): a live server's are left alone. */
async function sweepDeadPartials(partialDir: string): Promise<void> {
  for (const name of await readdir(partialDir).catch(() => [] as string[])) {
    const pid = Number(/^(\d+)-[0-9a-f]+$/.exec(name)?.[1]);
    if (Number.isInteger(pid) && (pid === process.pid || isProcessAlive(pid))) continue;
    await rm(join(partialDir, name), { force: true }).catch(() => undefined);
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
