/**
 * The in-process squashfs reader against unsquashfs itself: for images of every shape mksquashfs
 * makes (many entries in one directory, deep trees, every inode type, owners, setuid/sticky
 * modes, files around block boundaries, holes, incompressible data, stored metadata, no
 * fragments, 128 KiB blocks), the reader lists exactly what `unsquashfs -lln` lists and returns
 * exactly the bytes `unsquashfs -d` extracts. Images it does not take (xz, damaged) are refused,
 * and readImage then still reports what unsquashfs says.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile, link, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../src/mirror/verify/image.js';
import { parseLongListing } from '../../src/mirror/verify/listing.js';
import { SquashImage, UnsupportedImage } from '../../src/mirror/verify/squashfs.js';
import { runTool } from '../../src/util/exec.js';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tczbuild-squashfs-reader-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A tree with a bit of everything; returns its root. */
async function makeTree(name: string): Promise<string> {
  const root = join(work, name, 'root');
  const put = async (rel: string, content: string | Buffer): Promise<void> => {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  };
  for (let i = 0; i < 300; i++) await put(`usr/local/share/many/f${String(i).padStart(3, '0')}-${'x'.repeat(i % 40)}`, `file ${i}\n`);
  for (const size of [0, 1, 4095, 4096, 4097, 3 * 4096, 3 * 4096 + 17, 131072 + 5]) await put(`usr/local/share/sizes/s${size}`, Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) % 251)));
  await put('usr/local/share/random.bin', randomBytes(70_000));
  await put('usr/local/share/zeros.bin', Buffer.alloc(200_000));
  await put('usr/local/share/sp ace/ünï cödé', 'names\n');
  await put('usr/local/tce.installed/hello', '#!/bin/sh\necho hi\n');
  await put(`usr/local/${'d/'.repeat(40)}deep`, 'deep\n');
  await mkdir(join(root, 'usr/local/empty'), { recursive: true });
  await symlink('../share/sizes/s1', join(root, 'usr/local/share/link'));
  await symlink(`/${'t'.repeat(3000)}`, join(root, 'usr/local/share/longlink'));
  await link(join(root, 'usr/local/share/sizes/s4097'), join(root, 'usr/local/share/hard'));
  return root;
}

async function pack(root: string, image: string, extra: readonly string[]): Promise<void> {
  const pseudo = ['dev d 755 0 0', 'dev/null c 666 0 0 1 3', 'dev/sda b 660 0 6 8 0', 'dev/fifo i 644 0 0 f', 'dev/sock i 600 5 6 s', 'usr/local/tce.installed m 775 0 50', 'usr/local/share/sizes/s1 m 4755 1001 50', 'usr/local/empty m 1777 0 0'];
  await runTool('mksquashfs', [root, image, '-no-xattrs', '-noappend', '-quiet', '-no-progress', ...pseudo.flatMap((p) => ['-p', p]), ...extra], { env: process.env });
}

async function expectSameAsUnsquashfs(image: string, wholeUpTo?: number): Promise<void> {
  const listed = parseLongListing((await runTool('unsquashfs', ['-lln', '-d', '', image], { env: process.env })).stdout);
  const out = join(dirname(image), `x-${Math.random().toString(36).slice(2)}`);
  await runTool('unsquashfs', ['-d', out, '-no-progress', '-no-xattrs', image], { env: process.env });
  const img = await SquashImage.open(image, wholeUpTo);
  try {
    const entries = await img.entries();
    expect(entries.map(({ data: _d, ...e }) => e)).toEqual(listed);
    const files = entries.filter((e) => e.type === 'file');
    expect(files.length).toBeGreaterThan(300);
    for (const f of files) {
      const want = await readFile(join(out, f.path));
      const got = await img.fileBytes(f.data!);
      expect(got.equals(want), f.path).toBe(true);
      expect(Buffer.compare(await img.fileBytes(f.data!, 5000), want.subarray(0, 5000)), `head of ${f.path}`).toBe(0);
    }
  } finally {
    await img.close();
    await rm(out, { recursive: true, force: true });
  }
}

describe('the in-process squashfs reader', () => {
  const shapes: Array<[string, string[]]> = [
    ['TinyCore flags (-b 4k, gzip)', ['-b', '4k', '-all-root']],
    ['owners kept, default 128K blocks', []],
    ['no fragments', ['-b', '4k', '-no-fragments']],
    ['every fragment', ['-b', '4k', '-always-use-fragments']],
    ['stored inodes, directories, data and fragments', ['-b', '4k', '-noI', '-noD', '-noF', '-noX']],
    ['no duplicate detection, no sparse', ['-b', '4k', '-no-duplicates', '-no-sparse']],
  ];
  for (const [title, flags] of shapes) {
    it(`lists and reads what unsquashfs does: ${title}`, async () => {
      const root = await makeTree(title.replace(/\W+/g, '-'));
      const image = join(dirname(root), 'image.tcz');
      await pack(root, image, flags);
      await expectSameAsUnsquashfs(image);
    }, 60_000);
  }

  it('reads a large image by positional reads the same way', async () => {
    const root = await makeTree('positional');
    const image = join(dirname(root), 'image.tcz');
    await pack(root, image, ['-b', '4k']);
    await expectSameAsUnsquashfs(image, 1024);
  }, 60_000);

  it('refuses another compressor and a damaged image, and readImage then reports what unsquashfs says', async () => {
    const run = (file: string, args: readonly string[]) => runTool(file, args, { env: process.env });
    const root = join(work, 'small', 'root');
    await mkdir(join(root, 'usr/local/bin'), { recursive: true });
    await writeFile(join(root, 'usr/local/bin/hi'), '#!/bin/sh\necho hi\n');
    const xz = join(work, 'small', 'xz.tcz');
    await runTool('mksquashfs', [root, xz, '-b', '4k', '-comp', 'xz', '-noappend', '-quiet', '-no-progress'], { env: process.env });
    await expect(SquashImage.open(xz)).rejects.toBeInstanceOf(UnsupportedImage);
    const viaTool = await readImage(xz, run);
    expect(viaTool.compression).toBe('xz');
    expect(viaTool.entries.map((e) => e.path)).toContain('usr/local/bin/hi');

    const cut = join(work, 'small', 'cut.tcz');
    await runTool('mksquashfs', [root, cut, '-b', '4k', '-noappend', '-quiet', '-no-progress'], { env: process.env });
    await truncate(cut, 200);
    await expect(SquashImage.open(cut)).rejects.toBeInstanceOf(UnsupportedImage);
    const broken = await readImage(cut, run);
    expect(broken.error).toMatch(/\S/);
    expect(broken.entries).toEqual([]);

    const garbage = join(work, 'small', 'garbage.tcz');
    await writeFile(garbage, randomBytes(4096));
    expect((await readImage(garbage, run)).error).toMatch(/\S/);
  }, 60_000);

  it('readImage starts no unsquashfs for a gzip image: only busybox, to read the hook', async () => {
    const root = await makeTree('no-program');
    const image = join(dirname(root), 'image.tcz');
    await pack(root, image, ['-b', '4k']);
    await copyFile(join(root, 'usr/local/share/sizes/s4096'), join(dirname(root), 'unused'));
    const started: string[] = [];
    const info = await readImage(image, async (file, args) => {
      started.push(`${file} ${args.slice(0, 2).join(' ')}`);
      if (file !== 'busybox') throw new Error('no unsquashfs should start');
      return { stdout: '', stderr: '' };
    });
    // the image's one hook is read by `ash -n`, through the caller's runner (the run's PATH)
    expect(started).toEqual(['busybox ash -n']);
    expect(info.error).toBeUndefined();
    expect(info.blockSize).toBe(4096);
    expect(info.compression).toBe('gzip');
    expect(info.hookTexts.get('usr/local/tce.installed/hello')).toBe('#!/bin/sh\necho hi\n');
    expect(info.entries.find((e) => e.path === 'usr/local/share/sizes/s1')).toMatchObject({ mode: 0o4755, uid: 1001, gid: 50 });
  }, 60_000);
});
