import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipNewc, newcArchive } from '../../src/box/cpio.js';

describe('initrd add-on archive', () => {
  const files = [
    { path: 'opt/bootlocal.sh', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o775, uid: 0, gid: 50 },
    { path: 'opt/tcemirror', data: Buffer.from('http://10.0.2.2:8080/\n'), mode: 0o664, uid: 0, gid: 50 },
  ];

  it('is read back by the real cpio with the owners, modes and bytes given, and no directory entries', () => {
    const listing = execFileSync('cpio', ['-itv', '--numeric-uid-gid', '--quiet'], { input: gunzipSync(gzipNewc(files)) }).toString();
    const lines = listing.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^-rwxrwxr-x\s+1\s+0\s+50\s+18 .* opt\/bootlocal\.sh$/);
    expect(lines[1]).toMatch(/^-rw-rw-r--\s+1\s+0\s+50\s+22 .* opt\/tcemirror$/);
    const body = execFileSync('cpio', ['-i', '--to-stdout', '--quiet', 'opt/bootlocal.sh'], { input: newcArchive(files) }).toString();
    expect(body).toBe('#!/bin/sh\necho hi\n');
  });

  it('refuses paths that would leave the root', () => {
    expect(() => newcArchive([{ ...files[0]!, path: '/opt/x' }])).toThrow(/relative/);
    expect(() => newcArchive([{ ...files[0]!, path: 'opt/../../x' }])).toThrow(/relative/);
  });
});
