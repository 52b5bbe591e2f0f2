/**
 * The bodies of small files the server sent recently (companions, indexes), kept in memory up
 * to a byte bound, so that a hot small file costs no system call: no realpath, open, fstat,
 * read or close, and no stat either.
 *
 * Entries are invalidated by the kernel (inotify, through fs.watch) instead of being checked on
 * every hit. Each directory from the root down to a cached file is watched, and an entry is
 * registered in each under the name its path continues with. A publish renames new files into
 * place, `index` rewrites through temp names, an edit modifies, a removal deletes, a replaced
 * directory is renamed or deleted: every one of these is an event in one of those directories
 * naming that next component, and drops every entry below it. A directory's own move or
 * deletion drops everything below it. The watches exist before an entry's identity is compared
 * with the file once more, so a change that races the fill is seen either way. The kernel
 * drops events when its queue overflows (Node does not report it), so an entry is also compared
 * with a stat() once it is older than `recheckMs`: a lost event stays stale that long at most.
 *
 * Only files whose path under the root has no symlink in it are cached (the caller passes the
 * real path and the requested one): watching a path through a symlink would miss a change of
 * the link's target directory's own ancestors. An entry is only ever filled after the server's
 * root check passed for that path.
 */
import { statSync, watch, type FSWatcher, type Stats } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { contentHeaders, etagOf, lastModifiedOf, validatorHeaders } from './http-range.js';
import type { OpenedFile } from './send-file.js';

/** A cached file, ready to send as it is (send-file.ts). */
export interface CachedBody extends OpenedFile {
  readonly fd: -1;
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: string;
  /** The headers of a plain 200, as a flat name/value list for one writeHead. */
  readonly headers: readonly string[];
}

interface Entry extends CachedBody {
  readonly key: string;
  readonly dev: number;
  readonly ino: number;
  readonly ctimeMs: number;
  /** The directories watched for this entry, each with the name the path continues with. */
  readonly chain: ReadonlyArray<readonly [dir: string, next: string]>;
  checkedAt: number;
}

interface WatchedDir {
  readonly watcher: FSWatcher;
  /** Entry keys by the child name their path continues with; no empty set is kept, so an empty map means nothing is watched here. */
  readonly byName: Map<string, Set<string>>;
}

/** Start watching a directory; the callback gets the changed child's name, or the dir's own name or null. */
export type DirWatcher = (dir: string, changed: (name: string | null) => void) => FSWatcher;

const inotify: DirWatcher = (dir, changed) => watch(dir, { persistent: false }, (_event, name) => changed(name));

export interface SmallFileCacheOptions {
  /** Bytes of bodies kept in all. */
  readonly maxBytes?: number;
  /** Larger files are not kept. */
  readonly maxEntryBytes?: number;
  /** An entry this old is compared with a stat() before it is served again (for lost events). */
  readonly recheckMs?: number;
  readonly watchDir?: DirWatcher;
  readonly now?: () => number;
}

export class SmallFileCache {
  private readonly entries = new Map<string, Entry>();
  private readonly dirs = new Map<string, WatchedDir>();
  private bytes = 0;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  private readonly recheckMs: number;
  private readonly watchDir: DirWatcher;
  private readonly now: () => number;

  /** root: the real path of the directory every cached file lies under. */
  constructor(
    readonly root: string,
    opts: SmallFileCacheOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
    this.maxEntryBytes = opts.maxEntryBytes ?? 64 * 1024;
    this.recheckMs = opts.recheckMs ?? 1000;
    this.watchDir = opts.watchDir ?? inotify;
    this.now = opts.now ?? Date.now;
  }

  /** The body of absPath when it is cached and nothing reported a change since; undefined otherwise. */
  get(absPath: string): CachedBody | undefined {
    const e = this.entries.get(absPath);
    if (!e) return undefined;
    const t = this.now();
    if (t - e.checkedAt >= this.recheckMs) {
      const st = statSync(absPath, { throwIfNoEntry: false });
      if (!st || !same(e, st)) return void this.drop(e);
      e.checkedAt = t;
    }
    // most recently used last: eviction takes from the front
    this.entries.delete(absPath);
    this.entries.set(absPath, e);
    return e;
  }

  /**
   * Keep body as the content of absPath (a path under root with no symlink in it), read from a
   * file whose fstat() was st. Undefined when it is not kept: too large, a short read, a path
   * that cannot be watched, or a file that changed since it was read.
   */
  put(absPath: string, body: Buffer, st: Stats): CachedBody | undefined {
    if (body.length > this.maxEntryBytes || body.length !== st.size || !absPath.startsWith(this.root + sep)) return undefined;
    const old = this.entries.get(absPath);
    if (old) this.drop(old);
    const etag = etagOf(st);
    const lastModified = lastModifiedOf(st);
    const headers = [...validatorHeaders(etag, lastModified), ...contentHeaders(absPath, st.size)];
    const e: Entry = { kind: 'file', fd: -1, key: absPath, body, size: st.size, mtimeMs: st.mtimeMs, etag, lastModified, headers, dev: st.dev, ino: st.ino, ctimeMs: st.ctimeMs, chain: chainOf(this.root, absPath), checkedAt: this.now() };
    this.entries.set(absPath, e);
    this.bytes += body.length;
    for (const [dir, next] of e.chain) {
      if (!this.register(dir, next, absPath)) return void this.drop(e);
    }
    // the watches exist now: a change from here on is an event, one before shows in the stat
    const now = statSync(absPath, { throwIfNoEntry: false });
    if (!now || !same(e, now)) return void this.drop(e);
    for (const v of this.entries.values()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(v);
    }
    return this.entries.get(absPath);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Directories watched now (each one inotify watch). */
  get watchedDirs(): number {
    return this.dirs.size;
  }

  /** Drop every entry and stop every watch. */
  close(): void {
    for (const e of [...this.entries.values()]) this.drop(e);
  }

  private register(dir: string, next: string, key: string): boolean {
    let d = this.dirs.get(dir);
    if (!d) {
      let watcher: FSWatcher;
      try {
        watcher = this.watchDir(dir, (name) => this.changed(dir, name));
      } catch {
        return false; // out of inotify watches, or the directory is gone: serve uncached
      }
      watcher.on('error', () => this.changed(dir, null));
      d = { watcher, byName: new Map() };
      this.dirs.set(dir, d);
    }
    let keys = d.byName.get(next);
    if (!keys) d.byName.set(next, (keys = new Set()));
    keys.add(key);
    return true;
  }

  /** An event in dir about name: drop what lies below it, or below dir when it is dir itself (or unknown). */
  private changed(dir: string, name: string | null): void {
    const d = this.dirs.get(dir);
    if (!d) return;
    const whole = name === null || name === basename(dir);
    const keys = whole ? [...d.byName.values()].flatMap((s) => [...s]) : [...(d.byName.get(name) ?? [])];
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e) this.drop(e);
    }
  }

  private drop(e: Entry): void {
    const key = e.key;
    if (this.entries.get(key) !== e) return;
    this.entries.delete(key);
    this.bytes -= e.body.length;
    for (const [dir, next] of e.chain) {
      const d = this.dirs.get(dir);
      const keys = d?.byName.get(next);
      if (!d || !keys?.delete(key)) continue;
      if (keys.size === 0) d.byName.delete(next);
      if (d.byName.size === 0) {
        d.watcher.close();
        this.dirs.delete(dir);
      }
    }
  }
}

/** Each directory from root down to absPath's parent, with the name the path continues with. */
function chainOf(root: string, absPath: string): Array<[string, string]> {
  const parts = absPath.slice(root.length + 1).split(sep);
  const chain: Array<[string, string]> = [];
  let dir = root;
  for (const part of parts) {
    chain.push([dir, part]);
    dir = join(dir, part);
  }
  return chain;
}

function same(e: Entry, st: Stats): boolean {
  return st.isFile() && st.ino === e.ino && st.dev === e.dev && st.size === e.size && st.mtimeMs === e.mtimeMs && st.ctimeMs === e.ctimeMs;
}
