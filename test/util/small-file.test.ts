import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../src/util/hash.js';
import { readIfSmall, readInPlaceUpTo } from '../../src/util/small-file.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('readIfSmall', () => {
  it('reads a small regular file, leaves a large one, a directory and a FIFO to the general path, and throws ENOENT for nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-small-file-'));
    dirs.push(dir);
    await writeFile(join(dir, 'small'), 'a few bytes\n');
    await writeFile(join(dir, 'edge'), Buffer.alloc(readInPlaceUpTo, 1));
    await writeFile(join(dir, 'large'), Buffer.alloc(readInPlaceUpTo + 1, 2));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(readIfSmall(join(dir, 'small'))?.toString()).toBe('a few bytes\n');
    expect(readIfSmall(join(dir, 'edge'))?.length).toBe(readInPlaceUpTo);
    expect(readIfSmall(join(dir, 'large'))).toBeUndefined();
    expect(readIfSmall(join(dir, 'small'), 4)).toBeUndefined();
    expect(readIfSmall(dir)).toBeUndefined();
    expect(readIfSmall(join(dir, 'fifo'))).toBeUndefined(); // would block the event loop if read
    expect(() => readIfSmall(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    // both paths of the hash give the size and digest of every byte
    expect(await hashFile(join(dir, 'large'))).toEqual({ sha256: execFileSync('sha256sum', [join(dir, 'large')], { encoding: 'utf8' }).split(' ')[0], size: readInPlaceUpTo + 1 });
    expect(await hashFile(join(dir, 'small'))).toEqual({ sha256: execFileSync('sha256sum', [join(dir, 'small')], { encoding: 'utf8' }).split(' ')[0], size: 12 });
  });
});
