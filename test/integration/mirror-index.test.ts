/**
 * `tczbuild index DIR` over a tree assembled from several CI jobs: one job published hello,
 * another world; the indexes must list both, merge an upstream dump so update-everything's
 * zstd.tcz sanity check passes, and come out byte-identical when run twice.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { tczDir } from '../../src/mirror/layout.js';
import { goodExtensions, makeGoodMirror } from '../mirror/fixture-mirror.js';
import { noNetrc } from '../helpers/no-netrc.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tczbuild-index-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c) => (out += String(c)));
  const code = await runCli(args, { stdin: process.stdin, stdout, stderr: stdout, cwd: scratch, env: noNetrc(), colorDepth: 1 });
  return { code, out };
}

describe('tczbuild index', () => {
  it('indexes a tree merged from two CI jobs plus an upstream dump, reproducibly', async () => {
    const jobA = await makeGoodMirror(join(scratch, 'job-a'), goodExtensions.filter((e) => e.name === 'hello'));
    const jobB = await makeGoodMirror(join(scratch, 'job-b'), goodExtensions.filter((e) => e.name === 'world'));
    const merged = tczDir(join(scratch, 'merged'), '11', 'x86_64');
    await mkdir(merged, { recursive: true });
    for (const job of [jobA.tczDir, jobB.tczDir]) {
      for (const f of await readdir(job)) if (/\.tcz(\.(md5\.txt|dep|info|list))?$/.test(f)) await copyFile(join(job, f), join(merged, f));
    }
    const upstream = join(scratch, 'upstream');
    await mkdir(upstream);
    await writeFile(join(upstream, 'md5.db.gz'), gzipSync(`${'e'.repeat(32)}  zstd.tcz\n${'f'.repeat(32)}  iptables.tcz\n`));
    await writeFile(join(upstream, 'dep.db.gz'), gzipSync('iptables.tcz\nlibnetfilter.tcz\n\nzstd.tcz\n'));
    await writeFile(join(upstream, 'tags.db.gz'), gzipSync('zstd.tcz\tcompression\n'));

    const r = await cli(['index', 'merged', '--upstream-index', 'upstream']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/indexed 2 extension\(s\)/);

    const text = async (f: string): Promise<string> => gunzipSync(await readFile(join(merged, f))).toString();
    // update-everything: grep ' zstd.tcz' in md5.db and a zstd.tcz record in dep.db
    expect(await text('md5.db.gz')).toMatch(/^e{32} {2}zstd\.tcz$/m);
    expect((await text('dep.db.gz')).split('\n\n').map((rec) => rec.split('\n')[0])).toEqual(['hello.tcz', 'iptables.tcz', 'world.tcz', 'zstd.tcz']);
    expect(await text('info.lst.gz')).toBe('hello.tcz\nworld.tcz\n');
    expect(await text('tags.db.gz')).toBe('hello.tcz\tgreeting demo\nworld.tcz\tworld\nzstd.tcz\tcompression\n');
    expect(await text('sizelist.gz')).toMatch(/^hello\.tcz \d+\nworld\.tcz \d+\n$/);
    expect(await text('provides.db.gz')).toContain('hello.tcz\nusr/local/bin/hello\nusr/local/bin/hi\n');
    // the tree now descends into upstream's iptables dependencies
    expect(await readFile(join(merged, 'hello.tcz.tree'), 'utf8')).toBe(
      'hello.tcz\n   world.tcz\n   iptables.tcz\n      libnetfilter.tcz\n   original-modules-KERNEL.tcz\n',
    );
    // every md5.db line for our files is byte-identical to its .md5.txt (tce-update compares them)
    expect(await text('md5.db.gz')).toContain(await readFile(join(merged, 'hello.tcz.md5.txt'), 'utf8'));
    // the gz files are what `gzip -d` reads, and a second run gives identical bytes
    const before = await readFile(join(merged, 'md5.db.gz'));
    await execa('gzip', ['-t', join(merged, 'md5.db.gz')]);
    expect((await cli(['index', 'merged', '--upstream-indexes', 'upstream'])).code).toBe(0);
    expect((await readFile(join(merged, 'md5.db.gz'))).equals(before)).toBe(true);
  });

  it('drops the .tree of an extension that is gone', async () => {
    const m = await makeGoodMirror(join(scratch, 'gone'));
    await rm(join(m.tczDir, 'world.tcz'));
    expect((await cli(['index', 'gone'])).code).toBe(0);
    expect(await readdir(m.tczDir)).not.toContain('world.tcz.tree');
    expect(await readFile(join(m.tczDir, 'info.lst'), 'utf8')).toBe('hello.tcz\n');
  });

  it('fails with a diagnostic when DIR holds no tcz directory', async () => {
    await mkdir(join(scratch, 'empty'));
    const r = await cli(['index', 'empty']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('mirror-no-tcz-dir');
  });
});
