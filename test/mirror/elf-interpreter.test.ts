/** readElfInterpreter agrees with binutils' readelf on real binaries of this machine. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readElfInterpreter } from '../../src/mirror/verify/elf.js';
import { runTool } from '../../src/util/exec.js';

async function readelfInterp(file: string): Promise<string | undefined> {
  const out = (await runTool('readelf', ['-l', file], { env: process.env })).stdout;
  return /Requesting program interpreter: ([^\]]+)\]/.exec(out)?.[1];
}

describe('readElfInterpreter', () => {
  it.each(['/usr/bin/true', '/usr/bin/containerd', '/usr/sbin/runc', '/bin/busybox'])('reads what readelf -l reads from %s', async (file) => {
    const head = (await readFile(file)).subarray(0, 64 * 1024);
    expect(readElfInterpreter(head)).toBe(await readelfInterp(file));
  });

  it('gives nothing for a truncated header or a non-ELF', () => {
    expect(readElfInterpreter(Buffer.from('#!/bin/sh\n'))).toBeUndefined();
    expect(readElfInterpreter(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, ...Array(13).fill(0)]))).toBeUndefined();
  });

  it('confirms the test binaries: /usr/bin/true is dynamic (the /lib64 loader), busybox static', async () => {
    expect(await readelfInterp('/usr/bin/true')).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(await readelfInterp('/bin/busybox')).toBeUndefined();
  });
});
