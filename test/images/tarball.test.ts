/**
 * The tarball writer makes the same bytes every time, with owner 0, mtime 0 and fixed modes,
 * streams blobs out of the cache, and leaves nothing behind when a blob is not what the plan
 * says.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import type { LayoutEntry } from '../../src/images/layout.js';
import { writeImageTarball } from '../../src/images/tarball.js';
import { testdir } from '../helpers/testdir.js';

async function* once(b: Buffer): AsyncGenerator<Uint8Array> {
  yield b;
}

interface SeenHeader {
  name: string;
  type?: string | null;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime: number;
  uname?: string;
}

async function headersOf(file: string): Promise<SeenHeader[]> {
  const out: SeenHeader[] = [];
  const x = extract();
  const done = new Promise<void>((resolve, reject) => {
    x.on('entry', (h, stream, next) => {
      out.push({ name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, size: h.size, mtime: h.mtime?.getTime() ?? -1, uname: h.uname });
      stream.on('end', next);
      stream.resume();
    });
    x.on('finish', resolve);
    x.on('error', reject);
  });
  x.end(await readFile(file));
  await done;
  return out;
}

describe('writeImageTarball', () => {
  it('writes a reproducible tar with fixed owners, times and modes', async () => {
    const dir = await testdir();
    const cache = new SourceCache(join(dir, 'cache'));
    const blob = Buffer.alloc(5000, 7);
    const entry = await cache.putStream(once(blob));
    const plan: LayoutEntry[] = [
      { name: 'blobs/', type: 'directory' },
      { name: `blobs/sha256/${entry.sha256}`, type: 'blob', sha256: entry.sha256, size: blob.length },
      { name: 'index.json', type: 'file', bytes: Buffer.from('{}') },
    ];
    await writeImageTarball(plan, cache, join(dir, 'a.tar'));
    await writeImageTarball(plan, cache, join(dir, 'b.tar'));
    const a = await readFile(join(dir, 'a.tar'));
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(await readFile(join(dir, 'b.tar'))).digest('hex'));
    expect(await headersOf(join(dir, 'a.tar'))).toEqual([
      { name: 'blobs/', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, uname: '' },
      { name: `blobs/sha256/${entry.sha256}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 5000, mtime: 0, uname: '' },
      { name: 'index.json', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 2, mtime: 0, uname: '' },
    ]);
    expect(a.includes(blob)).toBe(true);
  });

  it('fails and leaves no file when a cached blob does not have the planned size', async () => {
    const dir = await testdir();
    const cache = new SourceCache(join(dir, 'cache'));
    const entry = await cache.putStream(once(Buffer.from('short')));
    await writeFile(join(dir, 'keep'), '');
    const plan: LayoutEntry[] = [{ name: 'blob', type: 'blob', sha256: entry.sha256, size: 999 }];
    await expect(writeImageTarball(plan, cache, join(dir, 'out.tar'))).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['cache', 'keep']);
  });
});
