/**
 * Owners and modes reach mksquashfs as pseudo definitions: on its command line (-p) for a small
 * table, in a pseudo file for a large one. Either way the image is the same bytes, and the modes
 * and owners in it are the table's, read back with unsquashfs.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTable, pseudoLines, renderPseudoFile } from '../../src/builder/file-table.js';
import { packSquashfs } from '../../src/builder/pack.js';
import { pseudoArgsUpTo, squashfsArgs } from '../../src/builder/squashfs-args.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const md5 = async (path: string): Promise<string> => createHash('md5').update(await readFile(path)).digest('hex');

async function tree(files: number): Promise<{ dir: string; stage: string; table: FileTable }> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-pack-pseudo-'));
  dirs.push(dir);
  const stage = join(dir, 'root');
  const table = new FileTable();
  await mkdir(join(stage, 'usr/local/bin'), { recursive: true });
  await mkdir(join(stage, 'usr/local/etc/app'), { recursive: true });
  for (let i = 0; i < files; i++) {
    const rel = i % 2 ? `usr/local/bin/tool${i}` : `usr/local/etc/app/conf${i}`;
    await writeFile(join(stage, rel), `file ${i}\n`, { mode: 0o600 }); // the disk's mode must not reach the image
    table.set(rel, { type: 'file', mode: i % 2 ? 0o755 : 0o640, uid: i % 3 === 0 ? 1001 : 0, gid: 50, origin: 'test' });
  }
  table.update('usr/local/etc/app', { mode: 0o2775, gid: 50 });
  return { dir, stage, table };
}

describe('pseudo definitions for mksquashfs', () => {
  it('gives the same image on the command line as in a pseudo file, with the table owners and modes', async () => {
    const { dir, stage, table } = await tree(6);
    const file = join(dir, 'defs');
    await writeFile(file, renderPseudoFile(table));
    const common = { stageDir: stage, epoch: 1_700_000_000, processors: 1 };
    await execa('mksquashfs', squashfsArgs({ ...common, outFile: join(dir, 'file.tcz'), pseudo: { file } }));
    await execa('mksquashfs', squashfsArgs({ ...common, outFile: join(dir, 'args.tcz'), pseudo: { lines: pseudoLines(table) } }));
    expect(await md5(join(dir, 'args.tcz'))).toBe(await md5(join(dir, 'file.tcz')));
    const listing = (await execa('unsquashfs', ['-lln', join(dir, 'args.tcz')])).stdout;
    expect(listing).toMatch(/-rwxr-xr-x 1001\/50 +7 \S+ \S+ squashfs-root\/usr\/local\/bin\/tool3\n/);
    expect(listing).toMatch(/-rw-r----- 0\/50 +7 \S+ \S+ squashfs-root\/usr\/local\/etc\/app\/conf2\n/);
    expect(listing).toMatch(/drwxrwsr-x 0\/50 .* squashfs-root\/usr\/local\/etc\/app\n/);
  });

  it('packs a small table from its command line and a large one from a file it removes afterwards', async () => {
    for (const files of [4, pseudoArgsUpTo + 10]) {
      const { dir, stage, table } = await tree(files);
      const outFile = join(dir, 'out.tcz');
      const packed = await packSquashfs({ stageDir: stage, table, outFile, epoch: 1_700_000_000, env: process.env });
      expect(packed.md5).toBe(await md5(outFile));
      expect(await readdir(dir)).toEqual(['out.tcz', 'root']);
      const listing = (await execa('unsquashfs', ['-lln', outFile])).stdout;
      expect(listing).toMatch(/-rwxr-xr-x 0\/50 +7 \S+ \S+ squashfs-root\/usr\/local\/bin\/tool1\n/);
      expect(listing.split('\n').filter((l) => l.startsWith('-'))).toHaveLength(files);
    }
  });
});
