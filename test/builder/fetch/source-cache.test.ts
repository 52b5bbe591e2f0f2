import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChecksumMismatchError, SourceCache } from '../../../src/builder/fetch/source-cache.js';
import { isTczError } from '../../../src/diagnostics/errors.js';
import { testdir } from '../../helpers/testdir.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

async function* chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function* failingAfter(part: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(part);
  throw new Error('connection reset');
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('SourceCache', () => {
  it('stores bytes under sha256/<hex> and reads them back verified', async () => {
    const dir = await testdir();
    const cache = new SourceCache(dir);
    const entry = await cache.putStream(chunks('hello ', 'world'));
    expect(entry).toEqual({ sha256: sha('hello world'), size: 11, path: join(dir, 'sha256', sha('hello world')) });
    expect(await readFile(entry.path, 'utf8')).toBe('hello world');
    expect(await cache.has(entry.sha256)).toBe(true);
    expect(await cache.get(entry.sha256)).toBe(entry.path);
    expect(await filesUnder(join(dir, 'tmp'))).toEqual([]);
  });

  it('accepts an uppercase expected hash and stores it lowercase', async () => {
    const cache = new SourceCache(await testdir());
    const entry = await cache.putStream(chunks('abc'), sha('abc').toUpperCase());
    expect(entry.sha256).toBe(sha('abc'));
  });

  it('refuses a mismatch and leaves no file anywhere in the cache', async () => {
    const dir = await testdir();
    const cache = new SourceCache(dir);
    const expected = sha('the real thing');
    const error = await cache.putStream(chunks('something else'), expected).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    const mismatch = error as ChecksumMismatchError;
    expect(isTczError(mismatch)).toBe(true);
    expect(mismatch.diagnostics[0]?.id).toBe('checksum-mismatch');
    expect(mismatch.expected).toBe(expected);
    expect(mismatch.got).toBe(sha('something else'));
    expect(mismatch.message).toContain(expected);
    expect(mismatch.message).toContain(sha('something else'));
    expect(await filesUnder(dir)).toEqual([]);
    expect(await cache.has(expected)).toBe(false);
  });

  it('removes the temp file when the body fails half-way', async () => {
    const dir = await testdir();
    const cache = new SourceCache(dir);
    await expect(cache.putStream(failingAfter('partial'))).rejects.toThrow('connection reset');
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('re-verifies on get(): a corrupt entry is removed and reported missing', async () => {
    const cache = new SourceCache(await testdir());
    const entry = await cache.putStream(chunks('good bytes'));
    await writeFile(entry.path, 'bit rot');
    expect(await cache.has(entry.sha256)).toBe(true);
    expect(await cache.get(entry.sha256)).toBeUndefined();
    expect(await cache.has(entry.sha256)).toBe(false);
  });

  it('get() of an absent hash is undefined', async () => {
    const cache = new SourceCache(await testdir());
    expect(await cache.get(sha('nothing'))).toBeUndefined();
  });

  it('putFile copies a file in, checking the expected hash', async () => {
    const dir = await testdir({ 'src.bin': 'file bytes' });
    const cache = new SourceCache(join(dir, 'cache'));
    const entry = await cache.putFile(join(dir, 'src.bin'), sha('file bytes'));
    expect(await readFile(entry.path, 'utf8')).toBe('file bytes');
    await expect(cache.putFile(join(dir, 'src.bin'), sha('other'))).rejects.toBeInstanceOf(ChecksumMismatchError);
  });

  it('rejects keys that are not sha256 hex, so nothing can escape the store', () => {
    const cache = new SourceCache('/nonexistent');
    expect(() => cache.pathFor('../../etc/passwd')).toThrow(/not a sha256/);
    expect(() => cache.pathFor('abc')).toThrow(/not a sha256/);
  });
});

describe('SourceCache.sweepAbandoned', () => {
  it('removes temp files of dead writers only', async () => {
    const dir = await testdir({ 'tmp/999999999-abcdef.part': 'dead', [`tmp/${process.pid}-abcdef.part`]: 'mine', 'tmp/1-abcdef.part': 'init is alive' });
    const cache = new SourceCache(dir);
    expect(await cache.sweepAbandoned()).toBe(1);
    expect((await filesUnder(join(dir, 'tmp'))).map((p) => p.split('/').pop()).sort()).toEqual(['1-abcdef.part', `${process.pid}-abcdef.part`].sort());
  });
});
