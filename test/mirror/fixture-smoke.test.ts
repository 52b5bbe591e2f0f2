import { readFile, readdir, rm } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { makeGoodMirror } from './fixture-mirror.js';

describe('the good mirror fixture', () => {
  it('packs real squashfs images with exact owners and writes companions and indexes', async () => {
    const m = await makeGoodMirror();
    try {
      const ls = (await runTool('unsquashfs', ['-lln', '-d', '', `${m.tczDir}/hello.tcz`], { env: process.env })).stdout;
      expect(ls).toMatch(/drwxrwxr-x 0\/50 .* \/usr\/local\/tce.installed\n/);
      expect(ls).toMatch(/-rwxr-xr-x 0\/0 .* \/usr\/local\/bin\/hello\n/);
      const files = await readdir(m.tczDir);
      expect(files).toContain('md5.db.gz');
      expect(gunzipSync(await readFile(`${m.tczDir}/dep.db.gz`)).toString()).toBe(
        'hello.tcz\nworld.tcz\niptables.tcz\noriginal-modules-KERNEL.tcz\n\nworld.tcz\n',
      );
      expect(await readFile(`${m.tczDir}/hello.tcz.tree`, 'utf8')).toBe(
        'hello.tcz\n   world.tcz\n   iptables.tcz\n   original-modules-KERNEL.tcz\n',
      );
      await runTool('md5sum', ['-c', 'hello.tcz.md5.txt'], { env: process.env,  cwd: m.tczDir });
    } finally {
      await rm(m.out, { recursive: true, force: true });
    }
  });
});
