/**
 * The output cache as the builder uses it: restore() hands back a verified extension for a build
 * key from the local cache, else from the remote one (downloading each file into the local cache
 * against its sha256 first); save() keeps a fresh build locally, and upload() sends what was kept once the mirror is published. A bad entry, a
 * bad or missing blob, an unreachable or failing server is a warning and a miss, never an error:
 * the caller then builds. After the first transport failure the remote cache is left alone for
 * the rest of the run, so a dead server costs one timeout, not one per extension.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiagnosticId } from '../../diagnostics/codes.js';
import { diag } from '../../diagnostics/diagnostic.js';
import type { Reporter } from '../../report/reporter.js';
import { digestFile } from '../../util/hash.js';
import { redactUserinfo } from '../../util/credentials.js';
import { ChecksumMismatchError } from '../fetch/source-cache.js';
import type { PublishFile } from '../publish.js';
import { decodeActionResult, encodeActionResult, type CachedFile } from './action-result.js';
import { md5Disagreement, missingCompanions, requiredCompanions } from './complete.js';
import { BadBlobError, LocalOutputCache } from './local-store.js';
import { RemoteCache, type RemoteCacheOptions } from './remote-cache.js';

export type CacheOrigin = 'local cache' | 'remote cache';

export interface OutputCacheOptions {
  readonly cacheDir: string;
  readonly remote?: RemoteCacheOptions;
}

export interface RestoredExtension {
  readonly name: string;
  readonly md5: string;
  readonly size: number;
  readonly files: readonly PublishFile[];
  readonly origin: CacheOrigin;
}

export class OutputCache {
  readonly local: LocalOutputCache;
  private remote: RemoteCache | undefined;
  private readonly reporter: Reporter;
  /** Fresh builds kept locally and not yet uploaded. */
  private readonly kept: Array<{ readonly name: string; readonly key: string; readonly manifest: readonly CachedFile[] }> = [];

  constructor(o: OutputCacheOptions, reporter: Reporter) {
    this.local = new LocalOutputCache(o.cacheDir);
    this.remote = o.remote ? new RemoteCache(o.remote) : undefined;
    this.reporter = reporter;
  }

  /** A verified copy of the extension's files in `destDir`, or undefined on a miss. */
  async restore(name: string, key: string, destDir: string, tczRel: string, required: readonly string[] = requiredCompanions(false)): Promise<RestoredExtension | undefined> {
    const local = await this.local.lookup(key, name);
    if (local) {
      const hit = await this.materialize(name, key, local, destDir, tczRel, 'local cache', required);
      if (hit) return hit;
    }
    const verified = new Set<string>();
    const fetched = await this.fetchRemote(name, key, verified, required);
    return fetched ? this.materialize(name, key, fetched, destDir, tczRel, 'remote cache', required, verified) : undefined;
  }

  /** Where a build key's output would come from, without fetching blobs (for explain). */
  async probe(name: string, key: string): Promise<CacheOrigin | undefined> {
    const local = await this.local.lookup(key, name);
    if (local && (await Promise.all(local.map((f) => this.local.blobs.has(f.sha256)))).every(Boolean)) return 'local cache';
    const entry = await this.remoteCall(`looking up ${name}`, (r) => r.getEntry(key));
    return entry ? 'remote cache' : undefined;
  }

  /**
   * Keep a fresh build under its key in the local cache, and remember it for upload(). The
   * upload waits for upload(), which the builder calls after publishing: a slow or dead remote
   * cache must not delay the mirror users wait for.
   */
  async save(name: string, key: string, files: readonly PublishFile[]): Promise<void> {
    const named = files.flatMap((f) => (f.from ? [{ name: f.rel.slice(f.rel.lastIndexOf('/') + 1), path: f.from }] : []));
    try {
      const manifest = await this.local.store(key, named);
      if (this.remote?.upload) this.kept.push({ name, key, manifest });
    } catch (error) {
      // A full or read-only cache directory costs the next build time, not this one its result.
      this.warn('output-cache-unwritable', `${name}: could not keep the build in the output cache ${this.local.dir}: ${(error as Error).message}`);
    }
  }

  /**
   * Upload what save() kept, from the local cache's blobs (hashed as they were stored; the work
   * directory is gone by now). Blobs before the entry, so a reader never finds an entry whose
   * blobs are missing; the first failure switches the remote cache off for the rest.
   */
  async upload(): Promise<void> {
    const kept = this.kept.splice(0);
    for (const { name, key, manifest } of kept) {
      for (const f of manifest) {
        const ok = await this.remoteCall(`uploading ${f.name}`, async (r) => (await r.putBlob(f.sha256, this.local.blobs.pathFor(f.sha256), f.size), true));
        if (!ok) return;
      }
      await this.remoteCall(`uploading the entry of ${name}`, (r) => r.putEntry(key, encodeActionResult(manifest)));
    }
  }

  private async materialize(name: string, key: string, files: readonly CachedFile[], destDir: string, tczRel: string, origin: CacheOrigin, required: readonly string[], verified?: ReadonlySet<string>): Promise<RestoredExtension | undefined> {
    const gap = missingCompanions(name, files.map((f) => f.name), required);
    if (gap) {
      this.warn('cache-entry-bad', `${name}: the ${origin} entry for build key ${key} is incomplete: ${gap}; building instead`);
      return undefined;
    }
    try {
      const got = await this.local.materialize(files, join(destDir, name, 'cached'), verified);
      const tcz = got.find((f) => f.name === `${name}.tcz`)!;
      const md5Txt = got.find((f) => f.name === `${name}.tcz.md5.txt`)!;
      // the local cache hashed it just now (md5 in the same read); a blob just downloaded was verified while it came in
      const md5 = tcz.md5 ?? (await digestFile(tcz.path)).md5;
      const disagreement = md5Disagreement(name, await readFile(md5Txt.path, 'utf8'), md5);
      if (disagreement) {
        this.warn('cache-entry-bad', `${name}: the ${origin} entry for build key ${key} is inconsistent: ${disagreement}; building instead`);
        return undefined;
      }
      await this.local.touch(key);
      this.reporter.emit({ type: 'cache-hit', name, cache: origin, key, files: got.length, bytes: got.reduce((n, f) => n + f.size, 0) });
      return { name, md5, size: tcz.size, origin, files: got.map((f) => ({ rel: `${tczRel}/${f.name}`, from: f.path })) };
    } catch (error) {
      if (!(error instanceof BadBlobError)) throw error;
      this.warn('cache-entry-bad', `${name}: the ${origin} entry for build key ${key} is unusable: ${error.message}`);
      return undefined;
    }
  }

  /** Download an entry and its blobs into the local cache (noting each in `verified`); undefined, after a warning, on any trouble. */
  private async fetchRemote(name: string, key: string, verified: Set<string>, required: readonly string[]): Promise<CachedFile[] | undefined> {
    const entry = await this.remoteCall(`looking up ${name}`, (r) => r.getEntry(key));
    if (!entry) return undefined;
    let files: CachedFile[];
    try {
      files = decodeActionResult(entry, name);
    } catch (error) {
      this.warn('cache-entry-bad', `${name}: the remote cache's entry /ac/${key} is not a valid manifest: ${(error as Error).message}`);
      return undefined;
    }
    // an incomplete entry is refused before any of its blobs is downloaded
    const gap = missingCompanions(name, files.map((f) => f.name), required);
    if (gap) {
      this.warn('cache-entry-bad', `${name}: the remote cache's entry /ac/${key} is incomplete: ${gap}; building instead`);
      return undefined;
    }
    for (const f of files) {
      if (await this.local.blobs.get(f.sha256)) {
        verified.add(f.sha256);
        continue;
      }
      const ok = await this.remoteCall(`downloading ${f.name}`, async (r) => {
        const body = await r.getBlob(f.sha256, f.size);
        if (!body) {
          this.warn('cache-entry-bad', `${name}: the remote cache names ${f.name} as /cas/${f.sha256} but does not have it`);
          return false;
        }
        try {
          await this.local.blobs.putStream(body, f.sha256);
          verified.add(f.sha256);
          return true;
        } catch (error) {
          if (!(error instanceof ChecksumMismatchError)) throw error;
          this.warn('cache-entry-bad', `${name}: the remote cache's /cas/${f.sha256} (${f.name}) has sha256 ${error.got} (${error.size} bytes): refused`);
          return false;
        }
      });
      if (!ok) return undefined;
    }
    await this.local.writeEntry(key, entry);
    return files;
  }

  /** Run a call against the remote cache; a transport or HTTP failure warns and switches it off. */
  private async remoteCall<T>(what: string, fn: (r: RemoteCache) => Promise<T>): Promise<T | undefined> {
    const remote = this.remote;
    if (!remote) return undefined;
    try {
      return await fn(remote);
    } catch (error) {
      const message = redactUserinfo((error as Error).message);
      const http = /^HTTP \d+/.test(message);
      this.remote = undefined;
      this.warn(
        http ? 'remote-cache-error' : 'remote-cache-unreachable',
        `remote cache ${remote.shown}: ${what} failed: ${message}; building without the remote cache from here on`,
      );
      return undefined;
    }
  }

  private warn(id: DiagnosticId, message: string): void {
    this.reporter.emit({ type: 'diagnostic', diagnostic: diag(id, undefined, message) });
  }
}
