/**
 * `clean --prune-cache` runs while another build stores into the same output cache: a temp file
 * that build is still writing must survive the prune and not be counted as a blob, while a temp
 * left by a process that died is swept, and a blob stored (or reused) for an entry not written
 * yet must survive it too.
 */
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalOutputCache } from '../../../src/builder/output-cache/local-store.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const everything = { nowMs: Date.now() + 365 * 86_400_000, maxAgeMs: 0, maxBytes: 0 };

describe('pruning the local output cache beside a running build', () => {
  it('keeps no temp file among the blobs while storing, and prunes only real blobs', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tczbuild-ocprune-'));
    const cache = new LocalOutputCache(dir);
    const built = join(dir, 'lz4.tcz');
    await writeFile(built, 'squashfs bytes');
    await cache.store('a'.repeat(64), [{ name: 'lz4.tcz', path: built }]);
    // a running build (this process, so alive) half way through writing a blob, wherever the
    // store writes its temps: beside the blobs or in a temp directory
    const blobDir = join(dir, 'outputs', 'sha256');
    const stores = await readdir(join(dir, 'outputs'));
    expect(stores.filter((n) => n !== 'sha256' && n !== 'ac' && n !== 'tmp')).toEqual([]);
    const liveBeside = join(blobDir, `${'b'.repeat(64)}.${process.pid}-0123abcd`);
    await writeFile(liveBeside, 'half a blob');
    await mkdir(join(dir, 'outputs', 'tmp'), { recursive: true });
    const liveTemp = join(dir, 'outputs', 'tmp', `${process.pid}-0123456789ab.part`);
    await writeFile(liveTemp, 'half a blob');
    // pid 2^22+1 is above Linux's pid_max default ceiling: no such process
    const deadTemp = join(dir, 'outputs', 'tmp', `${2 ** 22 + 1}-0123456789ab.part`);
    await writeFile(deadTemp, 'left by a kill -9');

    const r = await cache.prune(everything);
    expect(r.entries).toBe(1);
    expect(r.blobs).toBe(1); // the one real blob, not the temp beside it
    expect(r.freedBytes).toBe('squashfs bytes'.length);
    await stat(liveBeside);
    await stat(liveTemp);
    await expect(stat(deadTemp)).rejects.toThrow(/ENOENT/);
  });

  it('writes its temp files outside the blob directory', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tczbuild-ocprune-'));
    const cache = new LocalOutputCache(dir);
    const blobDir = join(dir, 'outputs', 'sha256');
    const seen = new Set<string>();
    let storing = true;
    // watch the blob directory while many files are stored: only finished blobs may appear there
    const watcher = (async () => {
      while (storing) {
        for (const n of await readdir(blobDir).catch(() => [] as string[])) seen.add(n);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 40; i++) {
      const f = join(dir, `f${i}`);
      await writeFile(f, `file ${i}`);
      await cache.store(i.toString(16).padStart(64, '0'), [{ name: `f${i}.tcz`, path: f }]);
    }
    storing = false;
    await watcher;
    expect([...seen].filter((n) => !/^[0-9a-f]{64}$/.test(n))).toEqual([]);
  });

  it('keeps the blobs of entries being stored while it prunes, new ones and old ones reused', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tczbuild-ocprune-'));
    const cache = new LocalOutputCache(dir);
    const file = async (i: number): Promise<string> => {
      const f = join(dir!, `f${i}`);
      await writeFile(f, `file ${i}`);
      return f;
    };
    // an old build whose entry the prune drops by age: its blobs are unreferenced and old, and
    // the builds below store the same bytes again
    const oldKey = 'f'.repeat(64);
    await cache.store(oldKey, await Promise.all([0, 1, 2].map(async (i) => ({ name: `f${i}.tcz`, path: await file(i) }))));
    const longAgo = new Date(Date.now() - 60 * 86_400_000);
    await utimes(join(dir, 'outputs', 'ac', oldKey), longAgo, longAgo);
    for (const n of await readdir(join(dir, 'outputs', 'sha256'))) await utimes(join(dir, 'outputs', 'sha256', n), longAgo, longAgo);

    let storing = true;
    let prunes = 0;
    const pruner = (async () => {
      while (storing) {
        await cache.prune({ nowMs: Date.now(), maxAgeMs: 30 * 86_400_000, maxBytes: 1024 ** 3 });
        prunes++;
      }
    })();
    const keys: string[] = [];
    for (let i = 0; i < 40; i++) {
      const key = i.toString(16).padStart(64, '0');
      await cache.store(key, [{ name: `f${i}.tcz`, path: await file(i) }, { name: `f${i}.tcz.md5.txt`, path: await file(i + 100) }]);
      keys.push(key);
    }
    storing = false;
    await pruner;
    expect(prunes).toBeGreaterThan(5);
    const missing: string[] = [];
    for (const key of keys) {
      for (const f of (await cache.lookup(key, `f${Number.parseInt(key, 16)}`)) ?? []) {
        if (!(await cache.blobs.has(f.sha256))) missing.push(`${key.slice(-2)}:${f.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('writes entries through a temp in tmp/ (where dead writers\' temps are swept), never beside the entries', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tczbuild-ocprune-'));
    const cache = new LocalOutputCache(dir);
    const acDir = join(dir, 'outputs', 'ac');
    const seen = new Set<string>();
    let storing = true;
    const watcher = (async () => {
      while (storing) {
        for (const n of await readdir(acDir).catch(() => [] as string[])) seen.add(n);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 40; i++) await cache.writeEntry(i.toString(16).padStart(64, '0'), Buffer.from(`entry ${i}`));
    storing = false;
    await watcher;
    expect(seen.size).toBe(40);
    expect([...seen].filter((n) => !/^[0-9a-f]{64}$/.test(n))).toEqual([]);
  });
});
