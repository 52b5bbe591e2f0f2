/**
 * Staging puts verified cache entries and image tarballs into the tree as hard links, not
 * copies. What a user would check: the image holds the same bytes, modes and separate files as
 * when every file is copied (a cache on another filesystem), and the cache entry is untouched.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { packSquashfs } from '../../src/builder/pack.js';
import { stageRecipe } from '../../src/builder/stage.js';
import type { FetchedSource } from '../../src/builder/types.js';
import { recipeFromYaml, recipeHead } from '../initd/helpers/recipe.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const md5 = async (path: string): Promise<string> => createHash('md5').update(await readFile(path)).digest('hex');

// /dev/shm is a tmpfs: a cache there is on another filesystem than a stage under tmpdir(), so
// every file is copied (link() fails with EXDEV)
const otherFs = '/dev/shm';

describe('staging by hard link', () => {
  it('gives the image a copy would give, links a cache entry once and copies it for a second path', async () => {
    expect((await execa('stat', ['-f', '-c', '%T', otherFs])).stdout).toBe('tmpfs');
    expect((await stat(otherFs)).dev).not.toBe((await stat(tmpdir())).dev);
    const tool = Buffer.from(Array.from({ length: 3000 }, (_, i) => sha256(`tool ${i}`)).join('\n'));
    const license = Buffer.from('MIT License\n');
    const recipe = recipeFromYaml(`${recipeHead('links')}sources:
  - { url: "https://example.invalid/tool", sha256: ${sha256(tool)}, install: { to: usr/local/bin/tool, mode: "0755" } }
  - { url: "https://example.invalid/LICENSE", sha256: ${sha256(license)}, install: { to: usr/local/share/doc/links/LICENSE } }
  - { url: "https://example.invalid/COPYING", sha256: ${sha256(license)}, install: { to: usr/local/share/doc/links/COPYING } }
`);
    const images: string[] = [];
    for (const base of [tmpdir(), otherFs]) {
      const cache = await mkdtemp(join(base, 'tczbuild-stage-links-cache-'));
      const work = await mkdtemp(join(tmpdir(), 'tczbuild-stage-links-'));
      dirs.push(cache, work);
      // a content-addressed cache: the two sources with the same bytes are one entry
      await mkdir(join(cache, 'sha256'));
      const entry = async (b: Buffer): Promise<string> => {
        const path = join(cache, 'sha256', sha256(b));
        await writeFile(path, b, { mode: 0o600 });
        return path;
      };
      const paths = [await entry(tool), await entry(license), await entry(license)];
      const sources: FetchedSource[] = recipe.sources.map((spec, i) => ({ spec, path: paths[i]!, sha256: sha256(i === 0 ? tool : license), size: i === 0 ? tool.length : license.length }));
      const stageDir = join(work, 'root');
      const { table } = await stageRecipe({ recipe, sources, overlaysDir: join(work, 'overlays'), generated: [], stageDir, env: process.env });

      const ino = async (p: string): Promise<number> => (await stat(p)).ino;
      const linked = base === tmpdir();
      expect(await ino(join(stageDir, 'usr/local/bin/tool')) === (await ino(paths[0]!))).toBe(linked);
      expect(await ino(join(stageDir, 'usr/local/share/doc/links/LICENSE')) === (await ino(paths[1]!))).toBe(linked);
      // the second path of one entry is always its own file
      expect(await ino(join(stageDir, 'usr/local/share/doc/links/COPYING'))).not.toBe(await ino(paths[1]!));

      const outFile = join(work, 'links.tcz');
      await packSquashfs({ stageDir, table, outFile, epoch: 1_700_000_000, env: process.env });
      images.push(await md5(outFile));
      // the cache entries keep their bytes and their own mode
      expect(sha256(await readFile(paths[0]!))).toBe(sha256(tool));
      expect((await stat(paths[0]!)).mode & 0o777).toBe(0o600);

      if (linked) {
        const listing = (await execa('unsquashfs', ['-lln', '-d', '', outFile])).stdout;
        expect(listing).toMatch(/^-rwxr-xr-x 0\/0 +\d+ \S+ \S+ \/usr\/local\/bin\/tool$/m);
        expect(listing).toMatch(/^-rw-r--r-- 0\/0 +12 \S+ \S+ \/usr\/local\/share\/doc\/links\/LICENSE$/m);
        expect(listing).toMatch(/^-rw-r--r-- 0\/0 +12 \S+ \S+ \/usr\/local\/share\/doc\/links\/COPYING$/m);
        // two paths are two files, not one hard-linked inode
        const mnt = await mkdtemp(join(tmpdir(), 'tczbuild-stage-links-mnt-'));
        dirs.push(mnt);
        await execa('mount', ['-t', 'squashfs', '-o', 'loop,ro', outFile, mnt]);
        try {
          const a = await stat(join(mnt, 'usr/local/share/doc/links/LICENSE'));
          const b = await stat(join(mnt, 'usr/local/share/doc/links/COPYING'));
          expect([a.nlink, b.nlink, a.ino === b.ino]).toEqual([1, 1, false]);
          expect((await stat(join(mnt, 'usr/local/bin/tool'))).nlink).toBe(1);
        } finally {
          await execa('umount', [mnt]);
        }
      }
    }
    expect(images[0]).toBe(images[1]);
  });
});
