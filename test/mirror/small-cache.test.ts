import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMirrorServer, type MirrorServer } from '../../src/mirror/server.js';
import { SmallFileCache } from '../../src/mirror/small-cache.js';

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
    const cache = new SmallFileCache(10, 8);
    const { statSync } = await import('node:fs');
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
