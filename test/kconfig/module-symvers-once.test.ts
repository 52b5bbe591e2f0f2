/**
 * `kernel-module build --symvers <(zcat Module.symvers.gz)`: the target's Module.symvers is read
 * once, and both modpost (the copy placed in the object tree) and the undefined-symbol check get
 * that one read. A pipe can be read only once: a second read would give modpost an empty file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { placeSymvers, readSymvers } from '../../src/kconfig/module-target-io.js';

const text = '0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n0x9abcdef0\tkmalloc\tvmlinux\tEXPORT_SYMBOL\t\n';
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the target Module.symvers', () => {
  it('is read once from a pipe, and modpost gets the same bytes the check used', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tczbuild-symvers-'));
    const fifo = join(dir, 'symvers.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = writeFile(fifo, text);
    const symvers = await readSymvers(fifo);
    await writer;
    expect([...symvers.table.keys()].sort()).toEqual(['kmalloc', 'printk']);
    await placeSymvers(symvers, dir);
    expect(await readFile(join(dir, 'Module.symvers'), 'utf8')).toBe(text);
  });
});
