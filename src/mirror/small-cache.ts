/**
 * The bodies of small files the server sent recently (companions, indexes), kept in memory up
 * to a byte bound so that a hot small file costs one stat() instead of realpath + open + fstat
 * + read + close. Each hit is checked against the file as it is now (device, inode, size,
 * mtime, ctime of the path): a publish renames new files into place, `index` rewrites through
 * temp names, so any change gives a new inode or times and the entry is dropped and read again.
 * An entry is only ever filled after the server's root check passed for that path.
 */
import { statSync, type Stats } from 'node:fs';
import { etagOf, lastModifiedOf } from './http-range.js';

export interface CachedBody {
  readonly body: Buffer;
  readonly size: number;
  readonly mtimeMs: number;
  readonly etag: string;
  readonly lastModified: string;
  readonly dev: number;
  readonly ino: number;
  readonly ctimeMs: number;
}

export class SmallFileCache {
  private readonly entries = new Map<string, CachedBody>();
  private bytes = 0;

  constructor(
    readonly maxBytes = 16 * 1024 * 1024,
    readonly maxEntryBytes = 64 * 1024,
  ) {}

  /** The body of absPath when it is cached and the file is unchanged since; undefined otherwise. */
  get(absPath: string): CachedBody | undefined {
    const e = this.entries.get(absPath);
    if (!e) return undefined;
    const st = statSync(absPath, { throwIfNoEntry: false });
    if (!st || !same(e, st)) {
      this.drop(absPath, e);
      return undefined;
    }
    // most recently used last: eviction takes from the front
    this.entries.delete(absPath);
    this.entries.set(absPath, e);
    return e;
  }

  put(absPath: string, body: Buffer, st: Stats): CachedBody | undefined {
    if (body.length > this.maxEntryBytes || body.length !== st.size) return undefined;
    const old = this.entries.get(absPath);
    if (old) this.drop(absPath, old);
    const e: CachedBody = { body, size: st.size, mtimeMs: st.mtimeMs, etag: etagOf(st), lastModified: lastModifiedOf(st), dev: st.dev, ino: st.ino, ctimeMs: st.ctimeMs };
    this.entries.set(absPath, e);
    this.bytes += body.length;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k, v);
    }
    return e;
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(key: string, e: CachedBody): void {
    this.entries.delete(key);
    this.bytes -= e.body.length;
  }
}

function same(e: CachedBody, st: Stats): boolean {
  return st.isFile() && st.ino === e.ino && st.dev === e.dev && st.size === e.size && st.mtimeMs === e.mtimeMs && st.ctimeMs === e.ctimeMs;
}
