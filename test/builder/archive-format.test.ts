/** Archive formats from the first bytes, entry-name bytes, and recipe sizes: exact, pure. */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectFormat, formatName } from '../../src/builder/archive/format.js';
import { decodeNameBytes, decodeTarName } from '../../src/builder/archive/names.js';
import { parseSize } from '../../src/recipe/sizes.js';
import { makeTar } from '../helpers/tarball.js';

describe('detectFormat', () => {
  it('recognises what the real compressors and zip write', async () => {
    const tar = await makeTar([{ name: 'a', content: 'x' }]);
    const name = (b: Buffer): string => formatName(detectFormat(b.subarray(0, 262)));
    expect(name(tar)).toBe('tar');
    expect(name(gzipSync(tar))).toBe('tar.gz');
    expect(name(execFileSync('xz', ['-c'], { input: tar }))).toBe('tar.xz');
    expect(name(execFileSync('bzip2', ['-c'], { input: tar }))).toBe('tar.bz2');
    expect(name(execFileSync('zstd', ['-c', '-q'], { input: tar }))).toBe('tar.zst');
    expect(name(execFileSync('lzma', ['-c'], { input: tar }))).toBe('lzma (legacy .lzma)');
  });
  it('names formats it does not unpack, and an empty file', () => {
    expect(detectFormat(Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'))).toEqual({ kind: 'unsupported', name: '7z' });
    expect(detectFormat(Buffer.from('Rar!\x1a\x07\x00', 'latin1'))).toEqual({ kind: 'unsupported', name: 'rar' });
    expect(detectFormat(Buffer.from('PK\x03\x04', 'latin1'))).toEqual({ kind: 'zip' });
    expect(detectFormat(Buffer.alloc(0))).toEqual({ kind: 'empty' });
  });
});

describe('entry names', () => {
  it('keeps UTF-8 names and shows the bytes of anything else', () => {
    expect(decodeNameBytes(Buffer.from('café/ß'))).toEqual({ ok: true, name: 'café/ß' });
    expect(decodeNameBytes(Buffer.from('caf\xe9\\', 'latin1'))).toEqual({ ok: false, shown: 'caf\\xe9\\x5c' });
    expect(decodeTarName(Buffer.from('café').toString('latin1'), false)).toEqual({ ok: true, name: 'café' });
    expect(decodeTarName('caf\ufffd', true)).toEqual({ ok: false, shown: 'caf\\x??' });
  });
});

describe('parseSize', () => {
  it('reads bytes and binary units, and refuses anything else', () => {
    expect(parseSize(1024)).toBe(1024);
    expect(parseSize('500MiB')).toBe(500 * 1024 ** 2);
    expect(parseSize('8GiB')).toBe(8 * 1024 ** 3);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('2 KB')).toBe(2048);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseSize(-1)).toBeUndefined();
  });
});
