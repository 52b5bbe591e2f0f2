/**
 * The local output cache under `<cache>/outputs/`: `ac/<build key>` holds an extension's manifest
 * (the same ActionResult bytes the remote cache stores), `sha256/<hex>` each published file,
 * shared between entries. Files enter by hard link (or copy across filesystems) and leave by
 * hard link into a work directory, where they are re-hashed before anyone trusts them: a blob
 * that no longer matches its name is deleted and the hit refused. A copy that fails for want of
 * space is reported as that, never as a tampered cache.
 *
 * A blob or an entry is written as a temp file in `tmp/` (same filesystem, so the rename is
 * atomic) named after its writer's pid, never beside the blobs or entries: a prune by another
 * process (`clean --prune-cache` while a build runs) sees only finished files in `sha256/` and
 * `ac/`, and sweeps a temp only once its writer is dead. A blob is written (or, when already
 * there, touched) before the entry naming it, so for a moment no entry refers to it: prune
 * leaves every blob touched within the last `blobGraceMs` alone.
 */
import { copyFile, link, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { digestFile } from '../../util/hash.js';
import { SourceCache, hashFile, isSha256Hex } from '../fetch/source-cache.js';
import { decodeActionResult, encodeActionResult, type CachedFile } from './action-result.js';
import { chooseEntriesToDrop, type PruneBounds, type PruneCandidate } from './prune.js';

/**
 * How long a blob no entry refers to is kept after it was stored or reused: longer than storing
 * one extension's blobs takes (seconds locally; from a remote cache, a few files at most ten
 * minutes each), so the entry that will name it is written by then.
 */
export const blobGraceMs = 3_600_000;

export interface MaterializedFile extends CachedFile {
  /** Where the verified copy now is (inside the caller's directory). */
  readonly path: string;
  /** Its md5, when it was hashed here (not when the caller had just verified it): read once for both digests. */
  readonly md5?: string;
}

/** A blob missing or not matching its sha256: the entry cannot be used. */
export class BadBlobError extends Error {}

export class LocalOutputCache {
  readonly dir: string;
  readonly blobs: SourceCache;

  constructor(cacheDir: string) {
    this.dir = join(cacheDir, 'outputs');
    this.blobs = new SourceCache(this.dir);
  }

  private entryPath(key: string): string {
    return join(this.dir, 'ac', key);
  }

  /** The files an entry names, or undefined without one; an unreadable entry is removed. */
  async lookup(key: string, extension: string): Promise<CachedFile[] | undefined> {
    const bytes = await readFile(this.entryPath(key)).catch(() => undefined);
    if (!bytes) return undefined;
    try {
      return decodeActionResult(bytes, extension);
    } catch {
      await rm(this.entryPath(key), { force: true });
      return undefined;
    }
  }

  /**
   * Link every file into `destDir` and re-hash it there; BadBlobError when one is missing or
   * wrong. Blobs in `justVerified` (hashed on their way in, moments ago) are only size-checked.
   */
  async materialize(files: readonly CachedFile[], destDir: string, justVerified: ReadonlySet<string> = new Set()): Promise<MaterializedFile[]> {
    await mkdir(destDir, { recursive: true });
    const out: MaterializedFile[] = [];
    for (const f of files) {
      const blob = this.blobs.pathFor(f.sha256);
      const dest = join(destDir, f.name);
      await rm(dest, { force: true });
      try {
        await link(blob, dest).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code === 'EXDEV' || error.code === 'EPERM') await copyFile(blob, dest);
          else throw error;
        });
      } catch (error) {
        // Only a blob that is not there makes the entry bad. A full disk or an unwritable work
        // directory is the machine's fault, not the cache's: it goes up as what it is (ENOSPC…).
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || (await stat(blob).catch(() => undefined))) throw error;
        throw new BadBlobError(`${f.name} (sha256 ${f.sha256}) is missing from the local cache`);
      }
      const got: { sha256: string; size: number; md5?: string } = justVerified.has(f.sha256) ? { sha256: f.sha256, size: (await stat(dest)).size } : await digestFile(dest);
      if (got.sha256 !== f.sha256 || got.size !== f.size) {
        await rm(blob, { force: true });
        await rm(dest, { force: true });
        throw new BadBlobError(`${f.name} in the local cache has sha256 ${got.sha256} (${got.size} bytes), not ${f.sha256} (${f.size} bytes)`);
      }
      out.push({ ...f, path: dest, ...(got.md5 !== undefined ? { md5: got.md5 } : {}) });
    }
    return out;
  }

  /** Keep a build's files (hashed here) under its key; returns the manifest written. */
  async store(key: string, files: ReadonlyArray<{ readonly name: string; readonly path: string }>): Promise<CachedFile[]> {
    await mkdir(join(this.dir, 'sha256'), { recursive: true });
    const manifest: CachedFile[] = [];
    for (const f of files) {
      const { sha256, size } = await hashFile(f.path);
      const blob = this.blobs.pathFor(sha256);
      // reused or new, the blob is young now: a prune keeps it until the entry below names it
      const now = new Date();
      const reused = await utimes(blob, now, now).then(() => true, () => false);
      if (!reused) {
        const tmp = await this.blobs.tempPath();
        try {
          await link(f.path, tmp).catch(() => copyFile(f.path, tmp));
          await utimes(tmp, now, now); // a link keeps the built file's mtime
          await rename(tmp, blob);
        } finally {
          await rm(tmp, { force: true });
        }
      }
      manifest.push({ name: f.name, sha256, size });
    }
    await this.writeEntry(key, encodeActionResult(manifest));
    return manifest;
  }

  async writeEntry(key: string, entry: Buffer): Promise<void> {
    await mkdir(join(this.dir, 'ac'), { recursive: true });
    const tmp = await this.blobs.tempPath();
    try {
      await writeFile(tmp, entry);
      await rename(tmp, this.entryPath(key));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Mark an entry as used now, so pruning by age keeps it. */
  async touch(key: string): Promise<void> {
    const now = new Date();
    await utimes(this.entryPath(key), now, now).catch(() => undefined);
  }

  /** Drop entries past the bounds, then every blob no kept entry refers to (unless touched within blobGraceMs). */
  async prune(bounds: PruneBounds): Promise<{ entries: number; blobs: number; freedBytes: number; keptBytes: number }> {
    const keys = (await readdir(join(this.dir, 'ac')).catch(() => [] as string[])).filter((k) => /^[0-9a-f]{64}$/.test(k));
    const candidates: PruneCandidate[] = [];
    const unreadable: string[] = [];
    for (const key of keys) {
      const st = await stat(this.entryPath(key)).catch(() => undefined);
      const blobs = await readFile(this.entryPath(key)).then((b) => decodeActionResult(b), () => undefined).catch(() => undefined);
      if (st && blobs) candidates.push({ key, usedMs: st.mtimeMs, blobs });
      else unreadable.push(key);
    }
    const chosen = chooseEntriesToDrop(candidates, bounds);
    const { keptBlobs, keptBytes } = chosen;
    const drop = [...chosen.drop, ...unreadable];
    for (const key of drop) await rm(this.entryPath(key), { force: true });
    await this.blobs.sweepAbandoned();
    let blobs = 0;
    let freedBytes = 0;
    for (const name of await readdir(join(this.dir, 'sha256')).catch(() => [] as string[])) {
      // only a finished blob is named by its hash; anything else is not ours to count or drop
      // (an older tczbuild wrote its temps here, and one may still be running)
      if (!isSha256Hex(name) || keptBlobs.has(name)) continue;
      const path = join(this.dir, 'sha256', name);
      const st = await stat(path).catch(() => undefined);
      if (!st || bounds.nowMs - st.mtimeMs < blobGraceMs) continue;
      freedBytes += st.size;
      await rm(path, { force: true });
      blobs++;
    }
    return { entries: drop.length, blobs, freedBytes, keptBytes };
  }
}
