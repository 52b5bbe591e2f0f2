/**
 * Fall-through to an upstream TinyCore mirror for files out/ lacks (iptables.tcz,
 * original-modules-KERNEL deps our .dep files name): fetch the same path upstream, check a
 * `.tcz` against its `.md5.txt` when upstream has one, store it in a cache directory (never
 * inside out/) and hand back the cached path. Concurrent requests for one file share one
 * download, which is cancelled once every client waiting for it has gone. Transfers are bounded
 * (upstream-fetch.ts): an unreachable or bad upstream is a 502, a slow one a 504 in bounded
 * time, and the partial file is removed; an upstream 404 stays a 404. Partial files are named
 * after their server's pid, so the ones a killed serve left are swept when the next one starts.
 * A cached copy is served as is for maxAgeMs after upstream last confirmed it; then it is
 * revalidated (a `.tcz` against upstream's `.md5.txt`, anything else by a conditional GET with
 * its ETag/Last-Modified), so an upstream update reaches tce-update. When upstream then says 404
 * the copy is dropped; when it cannot be reached the confirmed copy is served, with a log line.
 * It never serves bytes itself; server.ts does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isProcessAlive } from '../util/process.js';
import { dirname, join } from 'node:path';
import { indexFileNames } from './index-parse.js';
import { defaultUpstreamLimits, fetchBounded, type UpstreamLimits, type Validators } from './upstream-fetch.js';
import { shownUpstream, upstreamOrigin, type UpstreamOriginOptions } from './upstream-origin.js';

export type UpstreamResult =
  /** `stale`: upstream could not be asked, and this is the copy it last confirmed. */
  | { readonly kind: 'cached'; readonly path: string; readonly fetched: boolean; readonly stale?: true }
  | { readonly kind: 'status'; readonly status: 404 | 502 | 504; readonly reason: string };

export interface UpstreamOptions {
  /** The upstream mirror's base URL; `user:password@` in it is sent only as Basic auth to its origin. */
  readonly upstream: string;
  /** Where fetched files are kept; one subdirectory per upstream URL. */
  readonly cacheDir: string;
  /** Time allowed to connect and receive response headers, and between body chunks. */
  readonly timeoutMs?: number;
  /** Size, deadline and rate bounds of one transfer (defaults: defaultUpstreamLimits). */
  readonly limits?: Partial<UpstreamLimits>;
  /** Files already in out/ (to find a `.md5.txt` we publish ourselves). */
  readonly localRoot?: string;
  /** A cached file older than this is revalidated upstream before it is served; 0: every time. */
  readonly maxAgeMs?: number;
  /** netrc credentials and the redirect allow-list (upstream-origin.ts). */
  readonly origin: UpstreamOriginOptions;
  /** Notes worth an operator's eye (a stale copy served because upstream failed). */
  readonly log?: (message: string) => void;
  readonly now?: () => number;
}

export interface UpstreamCache {
  readonly dir: string;
  /** Fetch rel unless cached and fresh; `gone` says the asking client left (the last one leaving cancels). */
  ensure(rel: string, gone?: AbortSignal): Promise<UpstreamResult>;
}

/** Ten minutes: a box's tce-update sees an upstream update within that, at one small request per file. */
export const defaultUpstreamMaxAgeMs = 10 * 60_000;

/** The cache directory of one upstream: keyed by its URL without credentials, so a password is never part of a path. */
export function upstreamCacheDirFor(cacheDir: string, upstream: string): string {
  return join(cacheDir, createHash('sha256').update(shownUpstream(upstream)).digest('hex').slice(0, 16));
}

/** What the cache knows about a copy: when upstream last confirmed it, and how to ask again. */
interface Meta extends Validators {
  readonly checkedAt: number;
  readonly md5: string;
}

export function createUpstreamCache(opts: UpstreamOptions): UpstreamCache {
  const dir = upstreamCacheDirFor(opts.cacheDir, opts.upstream);
  const swept = sweepDeadPartials(join(dir, '.partial'));
  const origin = upstreamOrigin(opts.upstream, opts.origin);
  const limits: UpstreamLimits = { ...defaultUpstreamLimits, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...opts.limits };
  const maxAgeMs = opts.maxAgeMs ?? defaultUpstreamMaxAgeMs;
  const now = opts.now ?? Date.now;
  const inflight = new Map<string, Flight>();
  // hidden names are never served (http-path.ts), so neither the metadata nor partial files can be
  const metaPath = (rel: string): string => join(dir, '.meta', `${rel}.json`);

  const ensure = (rel: string, gone?: AbortSignal): Promise<UpstreamResult> => {
    let flight = inflight.get(rel);
    if (!flight || flight.cancel.signal.aborted) {
      const cancel = new AbortController();
      const created: Flight = { waiters: 0, cancel, result: Promise.resolve({ kind: 'status', status: 502, reason: 'not started' }) };
      created.result = ensureFresh(rel, cancel.signal).finally(() => {
        if (inflight.get(rel) === created) inflight.delete(rel);
      });
      inflight.set(rel, created);
      flight = created;
    }
    join1(flight, gone);
    return flight.result;
  };

  /** The cached copy when upstream confirmed it within maxAgeMs, else what upstream says now. */
  const ensureFresh = async (rel: string, cancel: AbortSignal): Promise<UpstreamResult> => {
    const cached = join(dir, rel);
    const meta = (await isFile(cached)) ? await readMeta(metaPath(rel)) : undefined;
    if (meta && now() - meta.checkedAt < maxAgeMs) return { kind: 'cached', path: cached, fetched: false };
    // A cached .tcz is current when upstream's .md5.txt (itself revalidated) still names its md5:
    // no need to ask for megabytes again.
    if (meta && rel.endsWith('.tcz')) {
      const expected = await upstreamMd5(rel, cancel);
      if (expected === meta.md5) {
        await writeMeta(metaPath(rel), { ...meta, checkedAt: now() });
        return { kind: 'cached', path: cached, fetched: false };
      }
    }
    const got = await download(rel, cancel, meta);
    if (got.kind === 'cached' || !meta) return got;
    if (got.status === 404) {
      // upstream no longer has it: neither do we
      await rm(cached, { force: true });
      await rm(metaPath(rel), { force: true });
      return got;
    }
    if (cancel.aborted) return got;
    opts.log?.(`upstream: could not revalidate ${rel} (${got.reason}); serving the copy upstream confirmed at ${new Date(meta.checkedAt).toISOString()}`);
    return { kind: 'cached', path: cached, fetched: false, stale: true };
  };

  const download = async (rel: string, cancel: AbortSignal, meta: Meta | undefined): Promise<UpstreamResult> => {
    const cached = join(dir, rel);
    const url = `${origin.base}/${rel.split('/').map(encodeURIComponent).join('/')}`;
    await swept;
    const tmp = join(dir, '.partial', `${process.pid}-${randomBytes(8).toString('hex')}`);
    await mkdir(dirname(tmp), { recursive: true });
    try {
      // An index is read whole by whoever asked for it: it gets its own, much smaller cap.
      const index = isIndexFile(rel);
      const bounds = index ? { ...limits, maxBytes: Math.min(limits.maxBytes, limits.maxIndexBytes) } : limits;
      const what = index ? `index ${rel.split('/').pop() ?? rel}` : 'file';
      const got = await fetchBounded({ url, tmp, limits: bounds, origin, cancel, what, gzipFile: rel.endsWith('.gz'), ...(meta ? { cached: meta } : {}) });
      if (got.kind === 'status') return got;
      if (got.kind === 'not-modified') {
        await writeMeta(metaPath(rel), { ...meta!, ...got.validators, checkedAt: now() });
        return { kind: 'cached', path: cached, fetched: false };
      }
      if (rel.endsWith('.tcz')) {
        const bad = await md5Problem(rel, got.md5, cancel);
        if (bad) return { kind: 'status', status: 502, reason: bad };
      }
      await mkdir(dirname(cached), { recursive: true });
      // the metadata first: a copy without it is fetched again, never trusted as confirmed
      await rm(metaPath(rel), { force: true });
      await rename(tmp, cached);
      await writeMeta(metaPath(rel), { ...got.validators, md5: got.md5, checkedAt: now() });
      return { kind: 'cached', path: cached, fetched: true };
    } finally {
      await rm(tmp, { force: true });
    }
  };

  /** The md5 upstream's (or our own) `.md5.txt` names for rel now; undefined when there is none or upstream could not confirm it. */
  const upstreamMd5 = async (rel: string, cancel: AbortSignal): Promise<string | undefined> => {
    const local = opts.localRoot ? await readFile(join(opts.localRoot, `${rel}.md5.txt`), 'utf8').catch(() => undefined) : undefined;
    if (local !== undefined) return firstWord(local);
    const r = await ensure(`${rel}.md5.txt`, cancel);
    return r.kind === 'cached' && !r.stale ? firstWord(await readFile(r.path, 'utf8')) : undefined;
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
    const expected = firstWord(text);
    if (expected === actual) return undefined;
    // upstream may have republished between the two downloads: forget the old .md5.txt so the
    // next request fetches both afresh instead of failing forever
    if (cachedMd5) {
      await rm(cachedMd5, { force: true });
      await rm(metaPath(`${rel}.md5.txt`), { force: true });
    }
    return `upstream ${rel} has md5 ${actual}, its .md5.txt says ${expected ?? 'nothing'}`;
  };

  return { dir, ensure };
}

function firstWord(text: string): string | undefined {
  return text.trim().split(/\s+/)[0]?.toLowerCase() || undefined;
}

async function readMeta(path: string): Promise<Meta | undefined> {
  try {
    const m = JSON.parse(await readFile(path, 'utf8')) as Partial<Meta>;
    if (typeof m.checkedAt !== 'number' || typeof m.md5 !== 'string') return undefined;
    return { checkedAt: m.checkedAt, md5: m.md5, ...(typeof m.etag === 'string' ? { etag: m.etag } : {}), ...(typeof m.lastModified === 'string' ? { lastModified: m.lastModified } : {}) };
  } catch {
    return undefined;
  }
}

async function writeMeta(path: string, meta: Meta): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(meta));
  await rename(tmp, path);
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
