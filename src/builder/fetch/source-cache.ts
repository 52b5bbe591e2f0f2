/**
 * SourceCache: the content-addressed store of verified bytes (`<dir>/sha256/<hex>`), shared by
 * source fetching and OCI image blobs. Bytes enter only through a temp file in `<dir>/tmp`
 * that is hashed while it is written and renamed into place once complete, so an entry is
 * never partial; an entry is re-hashed on every use and dropped if it no longer matches. Beside
 * each entry it keeps the list of URLs the entry was fetched for (`<dir>/origins/<hex>`), so a
 * caller can tell bytes fetched for one URL from a recipe that now names another. Otherwise it
 * knows nothing about recipes or retries: callers hand it bytes, hashes and URLs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, utimesSync } from 'node:fs';
import { appendFile, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { diag } from '../../diagnostics/diagnostic.js';
import { TczError } from '../../diagnostics/errors.js';
import { onInterrupt } from '../../util/interrupt.js';
import { isProcessAlive } from '../../util/process.js';

export interface CacheEntry {
  readonly sha256: string;
  readonly size: number;
  readonly path: string;
}

const hexPattern = /^[0-9a-f]{64}$/;

/** Bytes that did not match the hash they were stored under; callers add the recipe position. */
export class ChecksumMismatchError extends TczError {
  readonly expected: string;
  readonly got: string;
  readonly size: number;

  constructor(expected: string, got: string, size: number) {
    super([diag('checksum-mismatch', undefined, `expected sha256 ${expected}, got ${got} (${size} bytes)`)]);
    this.expected = expected;
    this.got = got;
    this.size = size;
  }
}

export function isSha256Hex(value: string): boolean {
  return hexPattern.test(value);
}

/** Lowercase and check a hex digest: a malformed one would let a key escape the store. */
function normalizeHex(sha256: string): string {
  const hex = sha256.toLowerCase();
  if (!hexPattern.test(hex)) throw new Error(`not a sha256 hex digest: ${JSON.stringify(sha256)}`);
  return hex;
}

export class SourceCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  pathFor(sha256: string): string {
    return join(this.dir, 'sha256', normalizeHex(sha256));
  }

  /** Exists as a regular file (no re-hash: use get() before trusting the bytes). */
  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathFor(sha256))).isFile();
    } catch {
      return false;
    }
  }

  /** The entry's path after re-hashing it; a corrupt entry is removed and undefined returned. */
  async get(sha256: string): Promise<string | undefined> {
    const path = this.pathFor(sha256);
    let got: string;
    try {
      got = (await hashFile(path)).sha256;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (got === normalizeHex(sha256)) {
      // the mtime says when the entry was last used: what `clean --prune-cache` ages by
      // in place: a metadata change, not worth a thread-pool round trip per source
      const now = new Date();
      try {
        utimesSync(path, now, now);
      } catch {
        // a read-only cache still serves; only its ageing is lost
      }
      return path;
    }
    await rm(path, { force: true });
    return undefined;
  }

  /**
   * Drop entries not used (fetched or verified for a build) for maxAgeMs, with the URLs they
   * were fetched from, and temp files of dead downloads. Returns what went.
   */
  async prune(nowMs: number, maxAgeMs: number): Promise<{ files: number; freedBytes: number }> {
    let files = await this.sweepAbandoned();
    let freedBytes = 0;
    for (const name of await readdir(join(this.dir, 'sha256')).catch(() => [] as string[])) {
      if (!hexPattern.test(name)) continue;
      const path = join(this.dir, 'sha256', name);
      const st = await stat(path).catch(() => undefined);
      if (!st || nowMs - st.mtimeMs <= maxAgeMs) continue;
      await rm(path, { force: true });
      await rm(this.originsPath(name), { force: true });
      files++;
      freedBytes += st.size;
    }
    return { files, freedBytes };
  }

  /**
   * Stream bytes into the store. With `expected`, a mismatch throws ChecksumMismatchError and
   * leaves no file behind; any error from `body` (a reset, a size guard) also removes the temp.
   */
  async putStream(body: AsyncIterable<Uint8Array>, expected?: string): Promise<CacheEntry> {
    const want = expected === undefined ? undefined : normalizeHex(expected);
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    const tmp = await this.tempPath();
    // Ctrl-C, SIGTERM or SIGHUP mid-download (`tczbuild fetch`, a build's fetch stage) removes
    // the temp file on the way out instead of leaving it for the next run's sweep.
    const forget = onInterrupt(() => rm(tmp, { force: true }));
    try {
      const { sha256, size } = await writeHashed(tmp, body);
      if (want !== undefined && sha256 !== want) throw new ChecksumMismatchError(want, sha256, size);
      const path = this.pathFor(sha256);
      await rename(tmp, path);
      return { sha256, size, path };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    } finally {
      forget();
    }
  }

  /**
   * A fresh temp file name on the store's filesystem (so renaming it into `sha256/` is atomic),
   * named after this process: sweepAbandoned() removes it only once this process is gone.
   */
  async tempPath(): Promise<string> {
    const tmpDir = join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    return join(tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}.part`);
  }

  /**
   * Remove temp files left by processes that died mid-download (kill -9, power loss). A temp
   * file is named after its writer's pid, so live writers (other builds sharing the cache) are
   * left alone.
   */
  async sweepAbandoned(): Promise<number> {
    const names = await readdir(join(this.dir, 'tmp')).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const pid = Number(/^(\d+)-[0-9a-f]+\.part$/.exec(name)?.[1]);
      if (!Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
      await rm(join(this.dir, 'tmp', name), { force: true });
      removed++;
    }
    return removed;
  }

  /** The URLs an entry was fetched for; [] for one stored before origins were kept (or never by URL). */
  async origins(sha256: string): Promise<string[]> {
    // a line or two, read twice per source on every build (fetchedForOthers, addOrigin): in
    // place, not four awaited thread-pool round trips each time
    let text = '';
    try {
      text = readFileSync(this.originsPath(sha256), 'utf8');
    } catch {
      // no origins recorded yet
    }
    return text.split('\n').filter((l) => l !== '');
  }

  /** The other URLs an entry was fetched for when `url` is not among them; undefined when it is, or none are known. */
  async fetchedForOthers(sha256: string, url: string): Promise<string[] | undefined> {
    const known = await this.origins(sha256);
    return known.length === 0 || known.includes(withoutUserinfo(url)) ? undefined : known;
  }

  /** Remember that an entry holds the bytes for `url` (userinfo never stored). */
  async addOrigin(sha256: string, url: string): Promise<void> {
    const clean = withoutUserinfo(url);
    if ((await this.origins(sha256)).includes(clean)) return;
    await mkdir(join(this.dir, 'origins'), { recursive: true });
    // one short append per line: concurrent writers interleave whole lines
    await appendFile(this.originsPath(sha256), `${clean}\n`);
  }

  private originsPath(sha256: string): string {
    return join(this.dir, 'origins', normalizeHex(sha256));
  }

  async putFile(path: string, expected?: string): Promise<CacheEntry> {
    return this.putStream(createReadStream(path), expected);
  }
}

/**
 * Write every chunk to `path` while hashing it. No fsync: an entry torn by a power cut fails the
 * re-hash in get() and is dropped, so durability costs nothing here.
 */
async function writeHashed(path: string, body: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const handle = await open(path, 'wx', 0o644);
  let size = 0;
  try {
    for await (const chunk of body) {
      hash.update(chunk);
      size += chunk.byteLength;
      await writeAll(handle, chunk);
    }
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

function withoutUserinfo(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

import { hashFile } from '../../util/hash.js';

export { hashFile };
