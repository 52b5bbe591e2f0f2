import { describe, expect, it } from 'vitest';
import { parseHumanSize, parseInfo } from '../../src/mirror/verify/checks/info.js';
import { expectedElf, readElfIdent } from '../../src/mirror/verify/elf.js';
import { parseBlockSize, parseLongListing } from '../../src/mirror/verify/listing.js';
import { elfHeader } from './fixture-mirror.js';

describe('unsquashfs output parsing', () => {
  it('reads owners, modes, types and symlink targets from -lln', () => {
    const text = [
      'drwxr-xr-x 0/0                      26 2026-11-24 08:49 ',
      'drwxrwxr-x 0/50                     24 2026-11-24 08:49 /usr/local/tce.installed',
      '-rwsr-xr-x 0/0                       3 2026-11-24 08:49 /usr/local/bin/a',
      'lrwxrwxrwx 0/0                       1 2026-11-24 08:49 /usr/local/bin/b -> a',
      '-rw-r--r-- 1001/50                   0 2026-11-24 08:49 /usr/local/sp ace/f g',
      'crw-r--r-- 0/0                  1,   3 2026-11-24 08:49 /dev/null',
      'drwxrwxrwt 0/0                       3 2026-11-24 08:49 /tmp',
    ].join('\n');
    expect(parseLongListing(text)).toEqual([
      { path: '', type: 'dir', mode: 0o755, uid: 0, gid: 0 },
      { path: 'usr/local/tce.installed', type: 'dir', mode: 0o775, uid: 0, gid: 50 },
      { path: 'usr/local/bin/a', type: 'file', mode: 0o4755, uid: 0, gid: 0 },
      { path: 'usr/local/bin/b', type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'a' },
      { path: 'usr/local/sp ace/f g', type: 'file', mode: 0o644, uid: 1001, gid: 50 },
      { path: 'dev/null', type: 'other', mode: 0o644, uid: 0, gid: 0 },
      { path: 'tmp', type: 'dir', mode: 0o1777, uid: 0, gid: 0 },
    ]);
  });

  it('reads the block size from -s', () => {
    expect(parseBlockSize('Compression gzip\nBlock size 4096\nFilesystem is exportable')).toBe(4096);
    expect(parseBlockSize('nothing')).toBeUndefined();
  });
});

describe('ELF headers', () => {
  it('reads e_machine and class and knows what each TinyCore arch runs', () => {
    expect(readElfIdent(elfHeader(62))).toEqual({ bits: 64, machine: 62 });
    expect(readElfIdent(Buffer.from('#!/bin/sh\nexit 0\n\n\n\n'))).toBeUndefined();
    expect(expectedElf('x86_64')).toEqual({ bits: 64, machine: 62 });
    expect(expectedElf('x86')).toEqual({ bits: 32, machine: 3 });
    expect(expectedElf('riscv')).toBeUndefined();
  });
});

describe('.info parsing', () => {
  it('reads fields and sizes the way du -h prints them', () => {
    expect(parseInfo('Title:\t\tx.tcz\nComments:\tone\n\t\ttwo\nSize:\t84M\n').map((f) => [f.name, f.value, f.line])).toEqual([
      ['Title', 'x.tcz', 1],
      ['Comments', 'one', 2],
      ['Size', '84M', 4],
    ]);
    expect(parseHumanSize('84M')).toEqual({ bytes: 84 * 1024 * 1024, step: 1024 * 1024 });
    expect(parseHumanSize('2.3M')?.step).toBeCloseTo(104857.6);
    expect(parseHumanSize('88K')?.bytes).toBe(88 * 1024);
    expect(parseHumanSize('512')).toEqual({ bytes: 512, step: 1 });
    expect(parseHumanSize('big')).toBeUndefined();
  });
});
