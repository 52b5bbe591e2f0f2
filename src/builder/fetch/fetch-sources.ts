/**
 * fetchSources(): turn a build's SourceSpecs into verified files in the SourceCache. Refuses
 * unpinned sources and, with --offline, anything not already at hand, before any download
 * starts; otherwise takes a verified cache hit, else tries each --source-mirror then upstream,
 * falling through on any failure or mismatch. All failures are reported together, each at its
 * recipe position. fetchAndHash() is the unpinned variant `tczbuild pin` uses. It never unpacks
 * or interprets the bytes.
 */
import { stat } from 'node:fs/promises';
import type { Reporter } from '../../report/reporter.js';
import { diag, sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { TczError } from '../../diagnostics/errors.js';
import type { SourceSpec } from '../../recipe/model.js';
import type { FetchedSource } from '../types.js';
import { download, type DownloadOptions } from './download.js';
import { netrcLookup, splitUserinfo, type CredentialLookup } from '../../util/credentials.js';
import { FetchFailure } from '../../util/http/failure.js';
import type { MinRate } from '../../util/min-rate.js';
import { candidatesFor, describeLocation, locationOf, type Candidate } from './locations.js';
import { mapLimit } from '../../util/map-limit.js';
import { fetchFailed, hashMissing, hashStale, offlineMissing, type Attempt, type SourceRef } from './messages.js';
import { ChecksumMismatchError, type CacheEntry, type SourceCache } from './source-cache.js';
import type { NetworkSettings } from '../../util/network-settings.js';

export interface FetchOptions {
  readonly cache: SourceCache;
  /** `--source-mirror` entries (base URLs or directories), tried in order before upstream. */
  readonly mirrors?: readonly string[];
  /** Use only the cache and local mirrors; fail up front listing everything missing. */
  readonly offline?: boolean;
  readonly reporter?: Reporter;
  /** Connect and idle timeout per request. */
  readonly timeoutMs?: number;
  /** Extra attempts per location on network errors and 5xx. */
  readonly retries?: number;
  /** Pause before the first retry, doubled each time (tests shorten it). */
  readonly backoffMs?: number;
  readonly maxBytes?: number;
  /** The slowest transfer accepted before the attempt fails (and is retried). */
  readonly minRate?: MinRate;
  /** The run's proxies and private CA, and its environment (NETRC and HOME for credentials). */
  readonly network: NetworkSettings;
  /** Downloads in flight at once. */
  readonly concurrency?: number;
}

type PinnedSpec = SourceSpec & { readonly sha256: string };

const defaultConcurrency = 3;

function isPinned(spec: SourceSpec): spec is PinnedSpec {
  return spec.sha256 !== null;
}

/**
 * The checks that must fail before any work: bad mirrors, unpinned sources and, offline, sources
 * neither cached nor on a local mirror. Cheap (no hashing, no network), so a build can run it on
 * every planned recipe up front. Throws one TczError listing every problem.
 */
export async function preflightSources(specs: readonly SourceSpec[], opts: Pick<FetchOptions, 'cache' | 'mirrors' | 'offline'>): Promise<void> {
  checkMirrors(opts.mirrors ?? []);
  const problems: Diagnostic[] = specs.filter((s) => s.sha256 === null).map(hashMissing);
  if (opts.offline) problems.push(...(await offlineProblems(specs.filter(isPinned), opts)));
  if (problems.length > 0) throw new TczError(sortDiagnostics(problems));
}

export async function fetchSources(specs: readonly SourceSpec[], opts: FetchOptions): Promise<Map<SourceSpec, FetchedSource>> {
  await preflightSources(specs, opts);
  await opts.cache.sweepAbandoned();
  const pinned = specs.filter(isPinned);

  // Two recipes may name the same file: download it once. netrc is read once per run.
  const credentials = netrcLookup(opts.network.env);
  const inFlight = new Map<string, Promise<CacheEntry | Diagnostic>>();
  const outcomes = await mapLimit(pinned, opts.concurrency ?? defaultConcurrency, (spec) => {
    const key = `${spec.sha256} ${spec.url}`;
    let pending = inFlight.get(key);
    if (!pending) inFlight.set(key, (pending = fetchOne(spec, opts, credentials)));
    return pending;
  });

  const fetched = new Map<SourceSpec, FetchedSource>();
  const failures: Diagnostic[] = [];
  pinned.forEach((spec, i) => {
    const outcome = outcomes[i] as CacheEntry | Diagnostic;
    if ('id' in outcome) failures.push({ ...outcome, ...positionFields(spec, outcome) });
    else fetched.set(spec, { spec, path: outcome.path, sha256: outcome.sha256, size: outcome.size });
  });
  if (failures.length > 0) throw new TczError(sortDiagnostics(failures));
  return fetched;
}

/**
 * Download a URL with no expected hash and store it, for `tczbuild pin`. Mirrors are asked by
 * file name only, and whatever a mirror serves becomes the pinned hash: pass mirrors only when
 * the caller trusts them as much as upstream.
 */
export async function fetchAndHash(rawUrl: string, opts: Omit<FetchOptions, 'offline'>): Promise<CacheEntry> {
  const { url, credentials } = splitUserinfo(rawUrl);
  const ref: SourceRef = { url, ...(credentials ? { credentials } : {}), sha256: null, at: {}, hashAt: {} };
  const result = await fetchUnpinned(rawUrl, opts);
  if ('attempts' in result) throw new TczError([fetchFailed(ref, result.attempts)]);
  return result;
}

/**
 * fetchAndHash() for a caller that verifies the bytes itself (an archive pinned by the hash of
 * its unpacked tree) and words its own failure: the attempts are returned, not thrown. With
 * `offline`, only local mirror directories are tried.
 */
export async function fetchUnpinned(rawUrl: string, opts: FetchOptions): Promise<CacheEntry | { attempts: Attempt[] }> {
  checkMirrors(opts.mirrors ?? []);
  const { url, credentials } = splitUserinfo(rawUrl);
  const ref: SourceRef = { url, ...(credentials ? { credentials } : {}), sha256: null, at: {}, hashAt: {} };
  const candidates = candidatesOrFailure(ref, opts.mirrors ?? []);
  if ('id' in candidates) throw new TczError([candidates]);
  const tried = opts.offline ? candidates.filter((c) => c.where.kind === 'path') : candidates;
  const result = await tryCandidates(ref, tried, opts, netrcLookup(opts.network.env));
  if (!('attempts' in result)) await rememberOrigin(opts.cache, result.sha256, url);
  return result;
}

/** Best effort: a read-only cache still serves builds, it only stops learning origins. */
async function rememberOrigin(cache: SourceCache, sha256: string, url: string): Promise<void> {
  await cache.addOrigin(sha256, url).catch(() => undefined);
}

async function fetchOne(spec: PinnedSpec, opts: FetchOptions, credentials: CredentialLookup): Promise<CacheEntry | Diagnostic> {
  const cached = await opts.cache.get(spec.sha256);
  if (cached !== undefined) {
    // A recipe whose url changed while its sha256 did not (a bumped version, a forgotten hash)
    // would otherwise build the old release's bytes under the new name.
    const others = await opts.cache.fetchedForOthers(spec.sha256, spec.url);
    // The same bytes may live at several URLs (identical files, a moved release): the new url
    // is taken when it serves exactly these bytes; only one that cannot show them is refused.
    if (others && !(await servesSameBytes(spec, opts, credentials))) return hashStale(spec, others);
    await rememberOrigin(opts.cache, spec.sha256, spec.url);
    return { sha256: spec.sha256, size: (await stat(cached)).size, path: cached };
  }
  const all = candidatesOrFailure(spec, opts.mirrors ?? []);
  if ('id' in all) return all;
  // Offline, only what is on this machine counts (a corrupt cache entry lands here too).
  const candidates = opts.offline ? all.filter((c) => c.where.kind === 'path') : all;
  const result = await tryCandidates(spec, candidates, opts, credentials);
  if (!('attempts' in result)) {
    // a mirror serves the bytes for the recipe's url: that url is what they were fetched for
    await rememberOrigin(opts.cache, result.sha256, spec.url);
    return result;
  }
  return opts.offline && result.attempts.every((a) => a.notFound) ? offlineMissing(spec) : fetchFailed(spec, result.attempts);
}

/** Whether the recipe's own url (not a mirror; offline only a local path) serves bytes of its pinned sha256. */
async function servesSameBytes(spec: PinnedSpec, opts: FetchOptions, credentials: CredentialLookup): Promise<boolean> {
  const all = candidatesOrFailure(spec, []);
  if ('id' in all) return false;
  const upstream = opts.offline ? all.filter((c) => c.where.kind === 'path') : all;
  return !('attempts' in (await tryCandidates(spec, upstream, opts, credentials)));
}

/** An unsupported URL scheme is the source's own fetch failure, not a crash. */
function candidatesOrFailure(ref: SourceRef, mirrors: readonly string[]): Candidate[] | Diagnostic {
  try {
    return candidatesFor(ref.url, ref.sha256, mirrors, ref.credentials);
  } catch (error) {
    return fetchFailed(ref, [attemptFrom({ where: { kind: 'url', url: ref.url }, upstream: true }, error)]);
  }
}

async function tryCandidates(ref: SourceRef, candidates: readonly Candidate[], opts: Omit<FetchOptions, 'offline'>, credentials: CredentialLookup): Promise<CacheEntry | { attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  const dl = { ...downloadOptions(opts), credentials };
  for (const candidate of candidates) {
    try {
      return await download(opts.cache, candidate.where, ref.sha256 ?? undefined, dl);
    } catch (error) {
      attempts.push(attemptFrom(candidate, error));
    }
  }
  return { attempts };
}

function attemptFrom(candidate: Candidate, error: unknown): Attempt {
  const base = { where: describeLocation(candidate.where), upstream: candidate.upstream };
  if (error instanceof ChecksumMismatchError) {
    return { ...base, outcome: `sha256 mismatch, got ${error.got} (${error.size} bytes)`, notFound: false, mismatch: { got: error.got, size: error.size } };
  }
  if (error instanceof FetchFailure) return { ...base, outcome: error.message, notFound: error.notFound };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // Disk trouble (a full or read-only cache, an unreadable mirror file) is reported, not crashed on.
  if (typeof code === 'string') return { ...base, outcome: `${(error as Error).message}`, notFound: false };
  throw error;
}

function downloadOptions(opts: Omit<FetchOptions, 'offline'>): DownloadOptions {
  return {
    network: opts.network,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.backoffMs !== undefined ? { backoffMs: opts.backoffMs } : {}),
    ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
    ...(opts.minRate !== undefined ? { minRate: opts.minRate } : {}),
    ...(opts.reporter !== undefined ? { reporter: opts.reporter } : {}),
  };
}

/** Offline: a source is at hand when the cache or a local location holds a file for it. */
async function offlineProblems(specs: readonly PinnedSpec[], opts: Pick<FetchOptions, 'cache' | 'mirrors'>): Promise<Diagnostic[]> {
  const missing: Diagnostic[] = [];
  for (const spec of specs) {
    if (await opts.cache.has(spec.sha256)) continue;
    let local: Candidate[];
    try {
      local = candidatesFor(spec.url, spec.sha256, opts.mirrors ?? []).filter((c) => c.where.kind === 'path');
    } catch {
      local = []; // an unsupported URL scheme cannot be fetched offline either
    }
    if (!(await anyFileExists(local))) missing.push(offlineMissing(spec));
  }
  return missing;
}

async function anyFileExists(candidates: readonly Candidate[]): Promise<boolean> {
  for (const c of candidates) {
    if (c.where.kind !== 'path') continue;
    const isFile = await stat(c.where.path).then((s) => s.isFile(), () => false);
    if (isFile) return true;
  }
  return false;
}

function checkMirrors(mirrors: readonly string[]): void {
  const bad: Diagnostic[] = [];
  for (const m of mirrors) {
    try {
      locationOf(m);
    } catch (error) {
      bad.push(diag('invalid-value', undefined, `--source-mirror ${m}: ${(error as Error).message}`, 'a mirror is an http(s) base URL, a file: URL or a directory'));
    }
  }
  if (bad.length > 0) throw new TczError(bad);
}

/** A shared download reports at the first spec's position; re-position it for each spec. */
function positionFields(spec: SourceSpec, d: Diagnostic): Pick<Diagnostic, 'file' | 'line' | 'col'> {
  const at = d.id === 'checksum-mismatch' && spec.hashAt.file !== undefined ? spec.hashAt : spec.at;
  return {
    ...(at.file !== undefined ? { file: at.file } : {}),
    ...(at.line !== undefined ? { line: at.line } : {}),
    ...(at.col !== undefined ? { col: at.col } : {}),
  };
}
