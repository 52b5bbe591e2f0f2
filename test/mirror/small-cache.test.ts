import { statSync, type FSWatcher } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMirrorServer, type MirrorServer } from '../../src/mirror/server.js';
import { SmallFileCache, type DirWatcher } from '../../src/mirror/small-cache.js';

let dir: string;
let server: MirrorServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tczbuild-small-cache-'));
  await mkdir(join(dir, 'root', 'tcz'), { recursive: true });
});
afterEach(async () => {
  await server?.close(0);
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; etag: string | null }> => {
  const r = await fetch(`${server!.url}${path}`, { headers });
  return { status: r.status, body: await r.text(), etag: r.headers.get('etag') };
};

describe('serve: small files from memory, never stale', () => {
  it('serves what is on disk now after a publish renames a new file into place, an in-place edit, or a removal', async () => {
    const file = join(dir, 'root', 'tcz', 'a.tcz.md5.txt');
    await writeFile(file, 'first\n');
    server = await startMirrorServer({ root: join(dir, 'root') });
    expect((await get('/tcz/a.tcz.md5.txt')).body).toBe('first\n');
    expect((await get('/tcz/a.tcz.md5.txt')).body).toBe('first\n'); // from the cache
    await writeFile(`${file}.new`, 'second, renamed in\n');
    await rename(`${file}.new`, file);
    expect((await get('/tcz/a.tcz.md5.txt')).body).toBe('second, renamed in\n');
    await writeFile(file, 'third, same inode\n');
    expect((await get('/tcz/a.tcz.md5.txt')).body).toBe('third, same inode\n');
    await rm(file);
    expect((await get('/tcz/a.tcz.md5.txt')).status).toBe(404);
  });

  it('answers validators and ranges from the cached copy as from the file', async () => {
    await writeFile(join(dir, 'root', 'tcz', 'b.tcz.info'), '0123456789');
    server = await startMirrorServer({ root: join(dir, 'root') });
    const first = await get('/tcz/b.tcz.info');
    const again = await get('/tcz/b.tcz.info', { 'if-none-match': first.etag! });
    expect(again.status).toBe(304);
    const part = await get('/tcz/b.tcz.info', { range: 'bytes=3-5' });
    expect([part.status, part.body]).toEqual([206, '345']);
  });

  it('serves the new file once a directory above the cached one is replaced by another', async () => {
    await mkdir(join(dir, 'root', '11.x', 'tcz'), { recursive: true });
    await writeFile(join(dir, 'root', '11.x', 'tcz', 'd.tcz.md5.txt'), 'old\n');
    // an hour between stats: only the kernel's events can tell the server about the swap
    server = await startMirrorServer({ root: join(dir, 'root'), smallFileRecheckMs: 3_600_000 });
    expect((await get('/11.x/tcz/d.tcz.md5.txt')).body).toBe('old\n');
    expect((await get('/11.x/tcz/d.tcz.md5.txt')).body).toBe('old\n');
    await mkdir(join(dir, 'root', '11.x.new', 'tcz'), { recursive: true });
    await writeFile(join(dir, 'root', '11.x.new', 'tcz', 'd.tcz.md5.txt'), 'new\n');
    await rename(join(dir, 'root', '11.x'), join(dir, 'root', '11.x.old'));
    await rename(join(dir, 'root', '11.x.new'), join(dir, 'root', '11.x'));
    expect((await get('/11.x/tcz/d.tcz.md5.txt')).body).toBe('new\n');
    await writeFile(join(dir, 'root', '11.x', 'tcz', 'd.tcz.md5.txt'), 'edited\n');
    expect((await get('/11.x/tcz/d.tcz.md5.txt')).body).toBe('edited\n');
  });

  it('does not serve a cached file once its path leads outside the root', async () => {
    await mkdir(join(dir, 'outside'));
    await writeFile(join(dir, 'outside', 'c.tcz.dep'), 'secret\n');
    await writeFile(join(dir, 'root', 'tcz', 'c.tcz.dep'), 'fine\n');
    server = await startMirrorServer({ root: join(dir, 'root') });
    expect((await get('/tcz/c.tcz.dep')).body).toBe('fine\n');
    await rm(join(dir, 'root', 'tcz'), { recursive: true });
    await symlink(join(dir, 'outside'), join(dir, 'root', 'tcz'));
    expect((await get('/tcz/c.tcz.dep')).status).toBe(403);
  });
});

describe('SmallFileCache', () => {
  it('keeps at most its byte bound, dropping the least recently used', async () => {
    const cache = new SmallFileCache(dir, { maxBytes: 10, maxEntryBytes: 8 });
    const paths = ['x', 'y', 'z'].map((n) => join(dir, n));
    for (const p of paths) await writeFile(p, '1234');
    for (const p of paths) cache.put(p, Buffer.from('1234'), statSync(p));
    expect(cache.size).toBe(2);
    expect(cache.get(paths[0]!)).toBeUndefined();
    expect(cache.get(paths[2]!)?.body.toString()).toBe('1234');
    const big = join(dir, 'big');
    await writeFile(big, '123456789');
    expect(cache.put(big, Buffer.from('123456789'), statSync(big))).toBeUndefined();
  });
});

describe('SmallFileCache invalidation', () => {
  /** Watches that fire only when the test says so, and a clock the test moves. */
  function fakeKernel(): { watchDir: DirWatcher; fire(dir: string, name: string | null): void; watched(): string[]; now: () => number; advance(ms: number): void } {
    const watchers = new Map<string, (name: string | null) => void>();
    let t = 0;
    return {
      watchDir: (d, changed) => {
        watchers.set(d, changed);
        return { on: () => undefined, close: () => void watchers.delete(d) } as unknown as FSWatcher;
      },
      fire: (d, name) => watchers.get(d)?.(name),
      watched: () => [...watchers.keys()].sort(),
      now: () => t,
      advance: (ms) => void (t += ms),
    };
  }

  async function cached(k: ReturnType<typeof fakeKernel>, names: string[]): Promise<{ cache: SmallFileCache; paths: string[] }> {
    const cache = new SmallFileCache(dir, { recheckMs: 1000, watchDir: k.watchDir, now: k.now });
    const paths: string[] = [];
    for (const n of names) {
      const p = join(dir, n);
      await mkdir(join(p, '..'), { recursive: true });
      await writeFile(p, n);
      expect(cache.put(p, Buffer.from(n), statSync(p))).toBeDefined();
      paths.push(p);
    }
    return { cache, paths };
  }

  it('makes no stat per hit: a change no event reported is served until the entry is recheckMs old', async () => {
    const k = fakeKernel();
    const { cache, paths } = await cached(k, ['tcz/a.dep']);
    await writeFile(paths[0]!, 'changed behind the cache');
    k.advance(999);
    expect(cache.get(paths[0]!)?.body.toString()).toBe('tcz/a.dep');
    k.advance(1);
    expect(cache.get(paths[0]!)).toBeUndefined();
  });

  it('drops the entry an event names, and everything below a directory that moved, and nothing else', async () => {
    const k = fakeKernel();
    const { cache, paths } = await cached(k, ['tcz/a.dep', 'tcz/b.dep', 'x/c.dep']);
    const [a, b, c] = paths as [string, string, string];
    expect(k.watched()).toEqual([dir, join(dir, 'tcz'), join(dir, 'x')]);
    k.fire(join(dir, 'tcz'), 'a.dep');
    expect([cache.get(a), cache.get(b)?.body.toString(), cache.get(c)?.body.toString()]).toEqual([undefined, 'tcz/b.dep', 'x/c.dep']);
    k.fire(dir, 'tcz'); // tcz renamed, removed or replaced in the root
    expect([cache.get(b), cache.get(c)?.body.toString()]).toEqual([undefined, 'x/c.dep']);
    k.fire(join(dir, 'x'), 'x'); // the directory's own event: it moved or went away
    expect(cache.get(c)).toBeUndefined();
    expect(k.watched()).toEqual([]);
  });

  it('does not keep a file that changed between its read and its watch', async () => {
    const k = fakeKernel();
    const cache = new SmallFileCache(dir, { watchDir: k.watchDir, now: k.now });
    const p = join(dir, 'e.info');
    await writeFile(p, 'as read');
    const st = statSync(p);
    await rm(p);
    await writeFile(p, 'written after the read');
    expect(cache.put(p, Buffer.from('as read'), st)).toBeUndefined();
    expect(k.watched()).toEqual([]);
  });
});
