import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIndexes } from '../../src/mirror/index-parse.js';
import { mergeTables, parseDepText, renderIndexes, renderTree, tagsFromInfo, type ExtensionRecord } from '../../src/mirror/indexes.js';
import { tczDir } from '../../src/mirror/layout.js';
import { gzipFixed, writeMirrorIndexes } from '../../src/mirror/write-indexes.js';
import { makeGoodMirror } from './fixture-mirror.js';

const faasd: ExtensionRecord = {
  name: 'faasd.tcz',
  md5Line: `${'a'.repeat(32)}  faasd.tcz`,
  sizeBytes: 1234,
  deps: ['containerd.tcz', 'iptables.tcz'],
  tags: ['faas', 'serverless'],
  list: ['usr/local/bin/faasd'],
};
const containerd: ExtensionRecord = { name: 'containerd.tcz', md5Line: `${'b'.repeat(32)}  containerd.tcz`, sizeBytes: 99, deps: [], tags: [], list: ['usr/local/bin/ctr', 'usr/local/bin/containerd'] };

describe('mirror indexes', () => {
  it('renders every index in the formats the TinyCore client scripts parse', () => {
    const t = renderIndexes(mergeTables([faasd, containerd]));
    expect(t['info.lst']).toBe('containerd.tcz\nfaasd.tcz\n');
    expect(t.sizelist).toBe('containerd.tcz 99\nfaasd.tcz 1234\n');
    expect(t['md5.db']).toBe(`${'b'.repeat(32)}  containerd.tcz\n${'a'.repeat(32)}  faasd.tcz\n`);
    expect(t['tags.db']).toBe('containerd.tcz\nfaasd.tcz\tfaas serverless\n');
    expect(t['provides.db']).toBe('containerd.tcz\nusr/local/bin/ctr\nusr/local/bin/containerd\n\nfaasd.tcz\nusr/local/bin/faasd\n');
    expect(t['dep.db']).toBe('containerd.tcz\n\nfaasd.tcz\ncontainerd.tcz\niptables.tcz\n');
  });

  it('merges an upstream mirror so zstd.tcz stays in md5.db and dep.db, ours winning', () => {
    const upstream = parseIndexes({
      'md5.db': `${'c'.repeat(32)}  zstd.tcz\n${'d'.repeat(32)}  faasd.tcz\n`,
      'dep.db': 'zstd.tcz\n\niptables.tcz\nlibnetfilter.tcz\n\nfaasd.tcz\nold.tcz\n',
      sizelist: 'zstd.tcz 555\n',
      'info.lst': 'iptables.tcz\nzstd.tcz\n',
    });
    const t = renderIndexes(mergeTables([faasd], upstream));
    expect(t['md5.db']).toBe(`${'a'.repeat(32)}  faasd.tcz\n${'c'.repeat(32)}  zstd.tcz\n`);
    expect(t['dep.db']).toBe('faasd.tcz\ncontainerd.tcz\niptables.tcz\n\niptables.tcz\nlibnetfilter.tcz\n\nzstd.tcz\n');
    expect(t['info.lst']).toBe('faasd.tcz\niptables.tcz\nzstd.tcz\n');
    // update-everything reads dep.db with awk RS="": every record's first line is a name
    const records = t['dep.db'].split(/\n\n/).map((r) => r.split('\n')[0]);
    expect(records).toContain('zstd.tcz');
  });

  it('renders a .tree with 3 spaces per level and cuts loops', () => {
    const deps: Record<string, string[]> = { 'a.tcz': ['b.tcz', 'c.tcz'], 'b.tcz': ['c.tcz'], 'c.tcz': ['a.tcz'] };
    expect(renderTree('a.tcz', (n) => deps[n])).toBe('a.tcz\n   b.tcz\n      c.tcz\n         a.tcz\n   c.tcz\n      a.tcz\n');
  });

  it('bounds a tree over a pathological graph instead of exploding', () => {
    // every level depends on both of the next level's names: 2^30 paths without a bound
    const depsOf = (n: string): string[] | undefined => {
      const level = Number(/^l(\d+)/.exec(n)?.[1] ?? 0);
      return level < 30 ? [`l${level + 1}a.tcz`, `l${level + 1}b.tcz`] : undefined;
    };
    const tree = renderTree('l0.tcz', depsOf);
    expect(tree.split('\n').length).toBeLessThanOrEqual(20_001);
  });

  it('parses .dep like tce-load and Tags from .info', () => {
    expect(parseDepText('a.tcz\n\n  b.tcz \t\n')).toEqual(['a.tcz', 'b.tcz']);
    expect(tagsFromInfo('Title:\t\tx.tcz\nTags:\t\tone two\nComments:\tx\n')).toEqual(['one', 'two']);
  });

  it('gzips with a fixed header so the same text gives the same bytes', () => {
    const a = gzipFixed(Buffer.from('x.tcz\n'));
    expect(a.readUInt32LE(4)).toBe(0);
    expect(a[9]).toBe(3);
    expect(a.equals(gzipFixed(Buffer.from('x.tcz\n')))).toBe(true);
  });

  it('writeMirrorIndexes writes plain and .gz twins, reproducibly, merging an upstream dump', async () => {
    const m = await makeGoodMirror();
    const up = await mkdtemp(join(tmpdir(), 'tczbuild-up-'));
    try {
      await writeFile(join(up, 'md5.db.gz'), gzipSync(`${'c'.repeat(32)}  zstd.tcz\n`));
      await writeFile(join(up, 'dep.db'), 'zstd.tcz\n');
      await writeMirrorIndexes(m.tczDir, { upstreamIndexDir: up });
      const first = await readFile(join(m.tczDir, 'md5.db.gz'));
      expect(gunzipSync(first).toString()).toContain('  zstd.tcz\n');
      expect(await readFile(join(m.tczDir, 'md5.db'), 'utf8')).toBe(gunzipSync(first).toString());
      expect(await readFile(join(m.tczDir, 'dep.db'), 'utf8')).toMatch(/\n\nzstd.tcz\n$/);
      await writeMirrorIndexes(m.tczDir, { upstreamIndexDir: up });
      expect((await readFile(join(m.tczDir, 'md5.db.gz'))).equals(first)).toBe(true);
      expect(m.tczDir).toBe(tczDir(m.out, '11', 'x86_64'));
    } finally {
      await rm(m.out, { recursive: true, force: true });
      await rm(up, { recursive: true, force: true });
    }
  });

  it('leaves a .tree that already says the right thing alone and rewrites one whose dependencies changed', async () => {
    const m = await makeGoodMirror();
    try {
      const tree = (n: string): string => join(m.tczDir, `${n}.tcz.tree`);
      const before = { hello: (await stat(tree('hello'))).ino, world: (await stat(tree('world'))).ino };
      await writeFile(join(m.tczDir, 'world.tcz.dep'), 'ncurses.tcz\n');
      await writeMirrorIndexes(m.tczDir);
      // world's own tree and hello's (which holds world's deps) change; both are rewritten
      expect(await readFile(tree('world'), 'utf8')).toBe('world.tcz\n   ncurses.tcz\n');
      expect(await readFile(tree('hello'), 'utf8')).toContain('   world.tcz\n      ncurses.tcz\n');
      expect((await stat(tree('world'))).ino).not.toBe(before.world);
      const now = { hello: (await stat(tree('hello'))).ino, world: (await stat(tree('world'))).ino };
      await writeMirrorIndexes(m.tczDir);
      expect({ hello: (await stat(tree('hello'))).ino, world: (await stat(tree('world'))).ino }).toEqual(now);
    } finally {
      await rm(m.out, { recursive: true, force: true });
    }
  });
});
