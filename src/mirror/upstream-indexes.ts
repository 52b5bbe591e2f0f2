/**
 * An upstream TinyCore mirror's index files (md5.db.gz, dep.db.gz, ...) for one <major>.x/<arch>,
 * kept in a cache directory so `all` and `index` can merge them by default: fetched when absent,
 * re-fetched when older than maxAgeMs, and the old copy kept (with a warning) when a re-fetch
 * fails. md5.db.gz must exist upstream; the others are taken when present.
 *
 * The set's path is a symlink to a versioned directory. A fetch writes a new directory, then
 * renames a new symlink over the old one: rename(2) replaces a symlink atomically, so a reader
 * (or a second build refreshing the same set at the same moment) always finds a whole set,
 * never no set. Removing the old directory first and renaming the new one in left a window
 * with nothing at the path, and the second of two writers failed on ENOTEMPTY. I/O only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { lstat, mkdir, open, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fail } from '../diagnostics/errors.js';
import { FetchFailure } from '../util/http/failure.js';
import { httpRequest } from '../util/http/request.js';
import { defaultMinRate } from '../util/min-rate.js';
import { indexFileNames } from './index-parse.js';
import { maxIndexTextBytes } from './write-indexes.js';
import { shownUpstream, upstreamOrigin, type UpstreamOrigin } from './upstream-origin.js';
import type { NetworkSettings } from '../util/network-settings.js';

export interface UpstreamIndexOptions {
  /** Mirror base URL, the part before `11.x/` (as for `serve --upstream`). */
  readonly upstream: string;
  readonly tcVersion: string;
  readonly arch: string;
  readonly cacheDir: string;
  /** Re-fetch when the cached set is older than this. */
  readonly maxAgeMs: number;
  readonly timeoutMs?: number;
  /** Largest index file accepted (default defaultMaxIndexBytes). */
  readonly maxBytes?: number;
  readonly log?: (message: string) => void;
  readonly now?: () => number;
  /** The run's proxies and private CA, and its environment for netrc credentials ($NETRC, $HOME). */
  readonly network: NetworkSettings;
}

export const defaultUpstreamIndexMaxAgeMs = 6 * 3600 * 1000;
/** TinyCore's md5.db.gz is about 100 KiB; an "index" near this is not one, and merging reads it whole. */
export const defaultMaxIndexBytes = 32 * 1024 * 1024;
const stampName = '.fetched';

export function upstreamIndexDirFor(o: Pick<UpstreamIndexOptions, 'upstream' | 'tcVersion' | 'arch' | 'cacheDir'>): string {
  // keyed by the URL without credentials: a password is never part of a path
  const key = createHash('sha256').update(shownUpstream(o.upstream)).digest('hex').slice(0, 16);
  return join(o.cacheDir, 'upstream-indexes', key, `${o.tcVersion}.x`, o.arch);
}

/** The directory holding the upstream index files, fetched or refreshed as needed. */
export async function ensureUpstreamIndexes(o: UpstreamIndexOptions): Promise<string> {
  const dir = upstreamIndexDirFor(o);
  const now = (o.now ?? Date.now)();
  const fetchedAt = await stat(join(dir, stampName)).then((s) => s.mtimeMs, () => undefined);
  if (fetchedAt !== undefined && now - fetchedAt < o.maxAgeMs) return dir;
  const origin = upstreamOrigin(o.upstream, { network: o.network });
  const base = `${origin.base}/${o.tcVersion}.x/${o.arch}/tcz`;
  const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(tmp, { recursive: true });
    const problem = await fetchSet(base, tmp, origin, o.timeoutMs ?? 10_000, o.maxBytes ?? defaultMaxIndexBytes);
    if (problem) {
      if (fetchedAt !== undefined) {
        o.log?.(`warning: could not refresh the upstream indexes (${problem}); using the copy fetched ${new Date(fetchedAt).toISOString()}`);
        return dir;
      }
      fail('upstream-index-unavailable', { file: `${base}/md5.db.gz` }, `cannot merge the upstream indexes: ${problem}`);
    }
    await writeFile(join(tmp, stampName), `${base}\n`);
    await swapIn(tmp, dir, now);
    o.log?.(`fetched the upstream indexes of ${base}`);
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const versionMark = '.v-';
/**
 * Superseded versions a crashed or raced writer left behind go once they are this old. A
 * version still in flight was written moments ago (its stamp is its last entry), so ten
 * minutes never takes one another writer is about to point at.
 */
const strayAgeMs = 10 * 60 * 1000;

/**
 * Make `dir` name the complete set in `fresh`: rename `fresh` to a new version, point a new
 * symlink at it and rename that over `dir`; then remove the version it replaced. Versions are
 * never reused, so the replaced one can never be current again and removing it is safe.
 */
async function swapIn(fresh: string, dir: string, now: number): Promise<void> {
  const version = `${dir}${versionMark}${randomBytes(6).toString('hex')}`;
  await rename(fresh, version);
  const link = `${dir}.link-${randomBytes(6).toString('hex')}`;
  await symlink(basename(version), link);
  try {
    const before = await lstat(dir).catch(() => undefined);
    // a set from before versioning is a plain directory, which a symlink cannot be renamed over:
    // move it aside once (this one migration is the only moment the path can be absent)
    if (before?.isDirectory()) await rename(dir, `${dir}${versionMark}old-${randomBytes(6).toString('hex')}`).catch(() => undefined);
    const replaced = before?.isSymbolicLink() ? await readlink(dir).catch(() => undefined) : undefined;
    await rename(link, dir);
    if (replaced && replaced !== basename(version) && replaced.startsWith(`${basename(dir)}${versionMark}`)) {
      await rm(join(dirname(dir), replaced), { recursive: true, force: true });
    }
  } finally {
    await rm(link, { force: true });
  }
  await sweepStrays(dir, now);
}

/** Versions nobody points at and nobody has touched for a while: left by a race or a crash. */
async function sweepStrays(dir: string, now: number): Promise<void> {
  const current = await readlink(dir).catch(() => undefined);
  const parent = dirname(dir);
  const prefix = `${basename(dir)}${versionMark}`;
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    if (!name.startsWith(prefix) || name === current) continue;
    const st = await lstat(join(parent, name)).catch(() => undefined);
    if (st && now - st.mtimeMs > strayAgeMs) await rm(join(parent, name), { recursive: true, force: true });
  }
}

/** Download every index file into `into`; the reason when md5.db.gz (or any answer but 200/404) fails. */
async function fetchSet(base: string, into: string, origin: UpstreamOrigin, timeoutMs: number, maxBytes: number): Promise<string | undefined> {
  for (const name of indexFileNames.map((n) => `${n}.gz`)) {
    const url = `${base}/${name}`;
    try {
      const res = await httpRequest(url, { network: origin.network, timeoutMs, deadlineMs: 10 * timeoutMs, maxBytes, minRate: defaultMinRate, auth: origin.auth, redirects: origin.redirects, addresses: origin.addresses });
      if (res.status === 404 && name !== 'md5.db.gz') {
        res.abort();
        continue;
      }
      if (res.status !== 200) {
        res.abort();
        return `${url} answered ${res.status}`;
      }
      // Streamed to disk, never held whole: the cap bounds the disk, the stream bounds memory.
      const file = join(into, name);
      await pipeline(Readable.from(res.chunks), createWriteStream(file));
      if (!(await isGzip(file))) return `${url} is not gzip`;
      const inflated = await inflatedSize(file, maxIndexTextBytes);
      if (inflated === 'too-large') return `${url} inflates to more than ${maxIndexTextBytes} bytes (a gzip bomb, not an index)`;
      if (inflated === 'broken') return `${url} is not valid gzip`;
    } catch (error) {
      if (error instanceof FetchFailure && error.kind === 'too-large') {
        const size = error.announced === undefined ? `more than ${error.limit} bytes` : `${error.announced} bytes`;
        return `${url} is ${size}, over the ${error.limit}-byte cap for an index (real ones are well under a MiB)`;
      }
      return `${url}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return undefined;
}

/**
 * Inflate the file as a stream, counting, and stop at the cap: a 2 MB bomb costs a few
 * milliseconds and no memory here, instead of gigabytes when the merge reads it.
 */
async function inflatedSize(file: string, cap: number): Promise<number | 'too-large' | 'broken'> {
  let size = 0;
  const count = new Writable({
    write(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > cap ? new RangeError('over the cap') : null);
    },
  });
  try {
    await pipeline(createReadStream(file), createGunzip(), count);
    return size;
  } catch (error) {
    return error instanceof RangeError ? 'too-large' : 'broken';
  }
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
