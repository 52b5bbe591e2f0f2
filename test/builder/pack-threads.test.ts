import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTable } from '../../src/builder/file-table.js';
import { packSquashfs } from '../../src/builder/pack.js';
import { processorsFor, singleThreadBelowBytes } from '../../src/builder/squashfs-args.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('mksquashfs threads per image', () => {
  it('packs a small image with one thread and a large one with every core', () => {
    expect(processorsFor(3_800)).toBe(1);
    expect(processorsFor(singleThreadBelowBytes - 1)).toBe(1);
    expect(processorsFor(singleThreadBelowBytes)).toBeUndefined();
    expect(processorsFor(140_000_000)).toBeUndefined();
  });

  it('writes the same bytes whatever the thread count, so the choice never changes an image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-pack-threads-'));
    dirs.push(dir);
    const stage = join(dir, 'root');
    await mkdir(join(stage, 'usr/local/bin'), { recursive: true });
    const table = new FileTable();
    // several hundred 4 KiB blocks of data that does not compress to nothing, and a few files
    for (let i = 0; i < 4; i++) {
      const bytes = Buffer.concat(Array.from({ length: 400 }, (_, b) => createHash('sha256').update(`${i}/${b}`).digest()));
      const bytesHex = Buffer.from(bytes.toString('hex'));
      await writeFile(join(stage, `usr/local/bin/tool${i}`), bytesHex);
      table.set(`usr/local/bin/tool${i}`, { type: 'file', mode: 0o755, uid: 0, gid: 0, origin: 'test' });
    }
    const md5s: string[] = [];
    for (const processors of [1, 2, undefined]) {
      const outFile = join(dir, `out-${processors ?? 'all'}.tcz`);
      const packed = await packSquashfs({ stageDir: stage, table, outFile, epoch: 1_700_000_000, ...(processors ? { processors } : {}), env: process.env });
      expect(createHash('md5').update(await readFile(outFile)).digest('hex')).toBe(packed.md5);
      md5s.push(packed.md5);
    }
    expect(new Set(md5s).size).toBe(1);
  });
});
