/**
 * `tczbuild verify` against a good mirror built with the real mksquashfs, and against copies
 * of it with one planted defect each: every check must name the defect by id and file, and
 * the CLI must exit 1 on errors and 0 on a clean mirror. The good mirror's indexes are merged
 * with a stand-in upstream md5.db listing the upstream extensions its .dep files name.
 */
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { tczDir as tczDirOf } from '../../src/mirror/layout.js';
import { verifyMirror } from '../../src/mirror/verify/run.js';
import { writeMirrorIndexes } from '../../src/mirror/write-indexes.js';
import { buildExtension, elfHeader, goodExtensions, makeGoodMirror, type FixtureEntry, type FixtureExtension } from '../mirror/fixture-mirror.js';
import { noNetrc } from '../helpers/no-netrc.js';

let good: string;
let scratch: string;
let upstreamIndex: string;

/** Rewrite a mirror's indexes merged with the stand-in upstream's. */
function reindex(dir: string): Promise<void> {
  return writeMirrorIndexes(dir, { upstreamIndexFiles: [upstreamIndex] });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tczbuild-verify-'));
  upstreamIndex = join(scratch, 'upstream', 'md5.db');
  await mkdir(join(scratch, 'upstream'));
  await writeFile(upstreamIndex, `${'a'.repeat(32)}  iptables.tcz\n${'b'.repeat(32)}  original-modules-6.1.2-tinycore64.tcz\n`);
  const mirror = await makeGoodMirror(join(scratch, 'good'));
  await reindex(mirror.tczDir);
  good = mirror.out;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let copies = 0;
/** A fresh copy of the good mirror; returns its tcz dir. */
async function copyOfGood(): Promise<string> {
  const out = join(scratch, `copy-${++copies}`);
  await execa('cp', ['-a', good, out]);
  return tczDirOf(out, '11', 'x86_64');
}

const world = goodExtensions.find((e) => e.name === 'world')!;
const hello = goodExtensions.find((e) => e.name === 'hello')!;

/** Rebuild one extension of a copy with changed entries (companions and indexes stay consistent). */
async function rebuilt(ext: FixtureExtension, change: (entries: readonly FixtureEntry[]) => FixtureEntry[], extra: Partial<FixtureExtension> = {}): Promise<string> {
  const dir = await copyOfGood();
  await buildExtension(dir, { ...ext, ...extra, entries: change(ext.entries) });
  await reindex(dir);
  return dir;
}

async function ids(dir: string, opts: Omit<Parameters<typeof verifyMirror>[1], 'env'> = {}): Promise<string[]> {
  return (await verifyMirror(dir, { ...opts, env: process.env })).diagnostics.map((d) => `${d.id} ${d.file?.split('/').pop() ?? ''}`);
}

describe('verify on a good mirror', () => {
  it('finds nothing', async () => {
    expect(await ids(tczDirOf(good, '11', 'x86_64'))).toEqual([]);
  });

  it('exits 0 from the CLI and 1 with --json findings once a defect is planted', async () => {
    const run = async (args: string[]): Promise<{ code: number; out: string }> => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      stdout.on('data', (c) => (out += String(c)));
      stderr.on('data', (c) => (out += String(c)));
      const code = await runCli(args, { stdin: process.stdin, stdout, stderr, cwd: scratch, env: noNetrc(), colorDepth: 1 });
      return { code, out };
    };
    expect((await run(['verify', good])).code).toBe(0);
    const dir = await copyOfGood();
    await writeFile(join(dir, 'hello.tcz.md5.txt'), `${'0'.repeat(32)}  hello.tcz\n`);
    const r = await run(['verify', join(dir, '..', '..', '..'), '--json']);
    expect(r.code).toBe(1);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; diagnostic?: { id: string; file: string; hint: string } });
    const found = events.find((e) => e.type === 'diagnostic')?.diagnostic;
    expect(found?.id).toBe('md5-mismatch');
    expect(found?.file).toMatch(/hello\.tcz\.md5\.txt$/);
    expect(found?.hint).toBeTruthy();
  });
});

describe('verify catches each planted defect', () => {
  it('md5-mismatch: a stale .md5.txt', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'hello.tcz.md5.txt'), `${'0'.repeat(32)}  hello.tcz\n`);
    await reindex(dir);
    expect(await ids(dir)).toEqual(['md5-mismatch hello.tcz.md5.txt']);
  });

  it('md5-missing: no .md5.txt', async () => {
    const dir = await copyOfGood();
    await rm(join(dir, 'world.tcz.md5.txt'));
    expect(await ids(dir)).toEqual(['md5-missing world.tcz.md5.txt']);
  });

  it('md5-format: a path inside .md5.txt', async () => {
    const dir = await copyOfGood();
    const md5 = (await readFile(join(dir, 'world.tcz.md5.txt'), 'utf8')).slice(0, 32);
    await writeFile(join(dir, 'world.tcz.md5.txt'), `${md5}  /home/tc/world.tcz\n`);
    await reindex(dir);
    // md5.db now carries the bad line too, so it no longer lists world.tcz
    expect(await ids(dir)).toEqual(['index-stale md5.db.gz', 'md5-format world.tcz.md5.txt']);
  });

  it('dep-crlf: CR line endings in .dep', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'hello.tcz.dep'), 'world.tcz\r\niptables.tcz\r\n');
    expect(await ids(dir)).toContain('dep-crlf hello.tcz.dep');
  });

  it('dep-comment: a # line in .dep', async () => {
    const dir = await copyOfGood();
    await appendFile(join(dir, 'hello.tcz.dep'), '# networking\n');
    await reindex(dir);
    expect(await ids(dir)).toEqual(['dep-comment hello.tcz.dep']);
  });

  it('dep-suffix: a dependency without .tcz', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'hello.tcz.dep'), 'world\n');
    expect(await ids(dir)).toContain('dep-suffix hello.tcz.dep');
  });

  it('dep-unresolved: a dependency the mirror lacks and no allow-list names', async () => {
    const dir = await copyOfGood();
    await appendFile(join(dir, 'hello.tcz.dep'), 'libnowhere.tcz\nfoo-KERNEL.tcz\n');
    await reindex(dir);
    expect(await ids(dir)).toEqual(['dep-unresolved hello.tcz.dep', 'dep-unresolved hello.tcz.dep']);
    // --allow-upstream vouches that upstream has them: a warning that the indexes still lack them
    const vouched = await verifyMirror(dir, { env: process.env, allowUpstream: ['libnowhere', 'foo-KERNEL'] });
    expect(vouched.diagnostics.map((d) => `${d.id} ${d.severity} ${d.line}`)).toEqual(['index-lacks-dep warning 4', 'index-lacks-dep warning 5']);
    expect(vouched.diagnostics[0]?.message).toContain('md5.db is missing or incomplete');
  });

  it('dep-unresolved: a -KERNEL dependency resolves when some NAME-<kver>.tcz is published', async () => {
    const dir = await rebuilt(world, (e) => [...e], { name: 'foo-6.1.2-tinycore64' });
    await appendFile(join(dir, 'hello.tcz.dep'), 'foo-KERNEL.tcz\n');
    const found = await ids(dir);
    expect(found.filter((f) => f.startsWith('dep-'))).toEqual([]);
  });

  it('dep-unresolved: a dependency only upstream has resolves once upstream indexes are merged', async () => {
    const dir = await copyOfGood();
    await appendFile(join(dir, 'hello.tcz.dep'), 'libupstream.tcz\n');
    await reindex(dir);
    expect(await ids(dir)).toEqual(['dep-unresolved hello.tcz.dep']);
    const up = join(dir, '..', 'upstream-md5');
    await mkdir(up);
    await writeFile(join(up, 'md5.db'), `${await readFile(upstreamIndex, 'utf8')}${'c'.repeat(32)}  libupstream.tcz\n`);
    await writeMirrorIndexes(dir, { upstreamIndexDir: up });
    expect(await ids(dir)).toEqual([]);
  });

  it("dep-unresolved: overlayfs-KERNEL.tcz named while no overlayfs-<kver>.tcz is published and no index lists one (tce-load stops on it)", async () => {
    const dir = await copyOfGood();
    await appendFile(join(dir, 'hello.tcz.dep'), 'overlayfs-KERNEL.tcz\n');
    await reindex(dir);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.file?.split('/').pop() ?? ''}:${d.line}`)).toEqual(['dep-unresolved hello.tcz.dep:4']);
    expect(found.diagnostics[0]?.message).toBe('hello.tcz depends on overlayfs-KERNEL.tcz, which neither the mirror nor its merged upstream indexes have: tce-load -wi fails with "Error on overlayfs-KERNEL.tcz"');
    expect(found.diagnostics[0]?.hint).toContain('--upstream URL');
  });

  it('index-lacks-dep: indexes written without upstream lack iptables.tcz and original-modules-KERNEL.tcz (warnings: tce-update needs them)', async () => {
    const dir = await copyOfGood();
    await writeMirrorIndexes(dir);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity} ${d.file?.split('/').pop() ?? ''}:${d.line}`)).toEqual(['index-lacks-dep warning hello.tcz.dep:2', 'index-lacks-dep warning hello.tcz.dep:3']);
    expect(found.diagnostics[0]?.message).toBe('hello.tcz depends on iptables.tcz, which the mirror\'s indexes do not list: tce-size, tce-update and update-everything fail with "md5.db is missing or incomplete"');
    expect(found.diagnostics[0]?.hint).toContain('--upstream URL');
  });

  it('dep-cycle: two extensions that depend on each other', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'world.tcz.dep'), 'hello.tcz\n');
    await reindex(dir);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['dep-cycle']);
    expect(found.diagnostics[0]?.message).toMatch(/hello\.tcz -> world\.tcz -> hello\.tcz|world\.tcz -> hello\.tcz -> world\.tcz/);
  });

  it('dep-redundant: a dependency another dependency already pulls in (warning)', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'world.tcz.dep'), 'iptables.tcz\n');
    await reindex(dir);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['dep-redundant warning']);
    expect(found.diagnostics[0]?.message).toBe('hello.tcz lists iptables.tcz, which world.tcz already pulls in');
  });

  it('index-stale: a .dep changed after the indexes were written', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'hello.tcz.dep'), 'world.tcz\n');
    expect(await ids(dir)).toEqual(['index-stale dep.db.gz']);
  });

  it('index-missing: no md5.db.gz (tce-update: "Could not fetch md5 database")', async () => {
    const dir = await copyOfGood();
    await rm(join(dir, 'md5.db.gz'));
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['index-missing']);
    expect(found.diagnostics[0]?.message).toBe('missing or not gzip: md5.db.gz');
  });

  it('list-mismatch: .list misses a file of the image', async () => {
    const dir = await copyOfGood();
    const list = (await readFile(join(dir, 'hello.tcz.list'), 'utf8')).split('\n').filter((l) => !l.endsWith('bin/hi'));
    await writeFile(join(dir, 'hello.tcz.list'), list.join('\n'));
    const found = await verifyMirror(dir, { env: process.env });
    // provides.db.gz carries each .list: it now disagrees too
    expect(found.diagnostics.map((d) => `${d.id} ${d.file?.split('/').pop() ?? ''}`)).toEqual(['list-mismatch hello.tcz.list', 'index-stale provides.db.gz']);
    expect(found.diagnostics[0]?.message).toContain('not listed: usr/local/bin/hi');
  });

  it('info-fields: fields out of order and one empty', async () => {
    const dir = await copyOfGood();
    const info = (await readFile(join(dir, 'world.tcz.info'), 'utf8')).split('\n');
    [info[1], info[2]] = [info[2]!, info[1]!];
    await writeFile(join(dir, 'world.tcz.info'), info.join('\n').replace(/^Author:.*$/m, 'Author:'));
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['info-fields']);
    expect(found.diagnostics[0]?.message).toMatch(/out of order.*empty Author/);
  });

  it('info-title: Title is not the file name', async () => {
    const dir = await copyOfGood();
    const info = await readFile(join(dir, 'world.tcz.info'), 'utf8');
    await writeFile(join(dir, 'world.tcz.info'), info.replace(/^Title:.*$/m, 'Title:\t\tworld'));
    expect(await ids(dir)).toEqual(['info-title world.tcz.info']);
  });

  it('info-size: Size does not match the .tcz', async () => {
    const dir = await copyOfGood();
    const info = await readFile(join(dir, 'world.tcz.info'), 'utf8');
    await writeFile(join(dir, 'world.tcz.info'), info.replace(/^Size:.*$/m, 'Size:\t\t84M'));
    expect(await ids(dir)).toEqual(['info-size world.tcz.info']);
  });

  it('tcz-unreadable: a .tcz that is not squashfs', async () => {
    const dir = await copyOfGood();
    await writeFile(join(dir, 'world.tcz'), 'this is not a squashfs image');
    await execa('sh', ['-c', 'md5sum world.tcz > world.tcz.md5.txt'], { cwd: dir });
    const found = await ids(dir);
    expect(found).toContain('tcz-unreadable world.tcz');
  });

  it('tcz-block-size: packed with 128K blocks', async () => {
    const dir = await rebuilt(world, (e) => [...e], { blockSize: '128K' });
    expect(await ids(dir)).toEqual(['tcz-block-size world.tcz']);
  });

  it('tcz-appended: mksquashfs appended to an existing image instead of -noappend', async () => {
    const dir = await copyOfGood();
    const extra = await mkdtemp(join(scratch, 'extra-'));
    await mkdir(join(extra, 'usr', 'local', 'share', 'world2'), { recursive: true });
    await writeFile(join(extra, 'usr', 'local', 'share', 'world2', 'more.txt'), 'more\n');
    await execa('mksquashfs', [extra, join(dir, 'world.tcz'), '-b', '4k', '-no-xattrs', '-quiet', '-no-progress']);
    expect(await ids(dir)).toContain('tcz-appended world.tcz');
  });

  it('tcz-empty and tcz-no-license: an image with nothing but usr/ (warnings)', async () => {
    const dir = await rebuilt(world, () => [{ path: 'usr', type: 'dir' }]);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['tcz-empty warning', 'tcz-no-license warning']);
  });

  it('tcz-no-license: no copyright notice under usr/local/share/doc/NAME (warning)', async () => {
    const dir = await rebuilt(world, (e) => e.filter((x) => !x.path.includes('/doc/')));
    expect(await ids(dir)).toEqual(['tcz-no-license world.tcz']);
  });

  it('tcz-owner: a file owned by tc:staff', async () => {
    const dir = await rebuilt(world, (e) => e.map((x) => (x.path.endsWith('data.txt') ? { ...x, uid: 1001, gid: 50 } : x)));
    expect(await ids(dir)).toEqual(['tcz-owner world.tcz']);
    // a recipe files: entry that gives the file that owner on purpose
    const recipes = join(dir, '..', 'recipes');
    await mkdir(recipes);
    await writeFile(join(recipes, 'world.yaml'), recipe('world', 'files:\n  - { path: usr/local/share/world/data.txt, owner: tc, group: staff }\n'));
    expect(await ids(dir, { recipesDir: recipes })).toEqual([]);
  });

  it('tcz-tce-installed: the hook is root:root 0755', async () => {
    const dir = await rebuilt(hello, (e) => e.map((x) => (x.path === 'usr/local/tce.installed/hello' ? { ...x, mode: 0o755, gid: 0 } : x)));
    expect(await ids(dir)).toEqual(['tcz-tce-installed hello.tcz']);
  });

  it('tcz-dir-mode: a directory is 0700', async () => {
    const dir = await rebuilt(world, (e) => [...e, { path: 'usr/local/share/world', type: 'dir', mode: 0o700 }]);
    expect(await ids(dir)).toEqual(['tcz-dir-mode world.tcz']);
  });

  it("tcz-base-dir: opt/ shipped root:root 0755 would take over the box's /opt (root:staff 0775)", async () => {
    const dir = await rebuilt(world, (e) => [...e, { path: 'opt/cni/bin/bridge', content: 'x', mode: 0o755 }]);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.file?.split('/').pop() ?? ''}`)).toEqual(['tcz-base-dir world.tcz', 'tcz-ships-opt world.tcz']);
    expect(found.diagnostics[0]?.message).toContain("opt/ is root:root 0755 but the box's /opt is root:staff 0775");
    expect(found.diagnostics[0]?.hint).toMatch(/keep it out of the image/);
  });

  it('tcz-base-dir: opt/ with its live owner and mode passes; tce.installed root:root 0755 does not', async () => {
    const ok = await rebuilt(world, (e) => [...e, { path: 'opt', type: 'dir', mode: 0o775, gid: 50 }, { path: 'opt/world.conf', content: 'x' }]);
    // still a warning: /opt may be persistent, and opt/world.conf takes over the user's file of that name
    const okFound = await verifyMirror(ok, { env: process.env });
    expect(okFound.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['tcz-ships-opt warning']);
    expect(okFound.diagnostics[0]?.message).toContain('world.tcz ships opt/ (opt/world.conf)');
    const bad = await rebuilt(hello, (e) => [...e, { path: 'usr/local/tce.installed', type: 'dir', mode: 0o755, gid: 0 }]);
    const found = await verifyMirror(bad, { env: process.env });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['tcz-base-dir']);
    expect(found.diagnostics[0]?.message).toContain("usr/local/tce.installed/ is root:root 0755 but the box's /usr/local/tce.installed is root:staff 0775");
  });

  it('tcz-world-writable: a file is 0666', async () => {
    const dir = await rebuilt(world, (e) => e.map((x) => (x.path.endsWith('data.txt') ? { ...x, mode: 0o666 } : x)));
    expect(await ids(dir)).toEqual(['tcz-world-writable world.tcz']);
  });

  it('tcz-setuid: a setuid binary, accepted when the recipe sets that mode on purpose', async () => {
    const dir = await rebuilt(hello, (e) => e.map((x) => (x.path === 'usr/local/bin/hello' ? { ...x, mode: 0o4755 } : x)));
    expect(await ids(dir)).toEqual(['tcz-setuid hello.tcz']);
    const recipes = join(dir, '..', 'recipes');
    await mkdir(recipes);
    await writeFile(join(recipes, 'hello.yaml'), recipe('hello', 'files:\n  - path: usr/local/bin/hello\n    mode: "4755"\n'));
    expect(await ids(dir, { recipesDir: recipes })).toEqual([]);
  });

  it('tcz-runtime-path: the image ships a path the recipe declares runtime-written, and /etc/resolv.conf', async () => {
    const dir = await rebuilt(world, (e) => [...e, { path: 'usr/local/etc/world/state.json', content: '{}' }, { path: 'etc/resolv.conf', content: 'nameserver 1.1.1.1\n' }]);
    const recipes = join(dir, '..', 'recipes');
    await mkdir(recipes);
    await writeFile(join(recipes, 'world.yaml'), recipe('world', 'runtime-paths:\n  - /usr/local/etc/${name}\n'));
    const found = await verifyMirror(dir, { env: process.env, recipesDir: recipes });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['tcz-runtime-path', 'tcz-runtime-path']);
    expect(found.diagnostics.map((d) => d.message).join('\n')).toMatch(/ships etc\/resolv.conf[\s\S]*ships usr\/local\/etc\/world,/);
  });

  it('tcz-outside-roots: a top-level dot file and a top-level srv/ directory', async () => {
    const dir = await rebuilt(world, (e) => [...e, { path: '.hidden', content: 'x' }, { path: 'srv/www/index.html', content: 'x' }]);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['tcz-outside-roots']);
    expect(found.diagnostics[0]?.message).toMatch(/\.hidden, srv/);
  });

  it('tcz-elf-interpreter: a binary asking for /lib64/ld-linux-x86-64.so.2, which TinyCore x86_64 lacks', async () => {
    const dynamic = await readFile('/usr/bin/true'); // Debian's: PT_INTERP /lib64/ld-linux-x86-64.so.2
    const dir = await rebuilt(hello, (e) => e.map((x) => (x.path === 'usr/local/bin/hello' ? { ...x, content: dynamic } : x)));
    const found = await verifyMirror(dir, { env: process.env, glibc: '2.36' });
    expect(found.diagnostics.map((d) => `${d.id} ${d.file?.split('/').pop() ?? ''}`)).toEqual(['tcz-elf-interpreter hello.tcz']);
    expect(found.diagnostics[0]?.message).toBe('usr/local/bin/hello asks for the loader /lib64/ld-linux-x86-64.so.2, which a TinyCore x86_64 box lacks (its loader is /lib/ld-linux-x86-64.so.2)');
    expect(found.diagnostics[0]?.hint).toContain('box-links: [{ path: /lib64, target: lib }]');
  });

  it('tcz-elf-interpreter: resolved by the hook\'s box_link /lib64 lib, or by a dependency shipping the loader', async () => {
    const dynamic = await readFile('/usr/bin/true');
    const hook = '#!/bin/sh\nbox_link() { :; }\nbox_link /lib64 lib  # the loader upstream asks for\nexit 0\n';
    const linked = await rebuilt(hello, (e) => e.map((x) => (x.path === 'usr/local/bin/hello' ? { ...x, content: dynamic } : x.path === 'usr/local/tce.installed/hello' ? { ...x, content: hook } : x)));
    expect(await ids(linked, { glibc: '2.36' })).toEqual([]);
    const viaDep = await rebuilt(hello, (e) => e.map((x) => (x.path === 'usr/local/bin/hello' ? { ...x, content: Buffer.from(dynamic.toString('latin1').replace('/lib64/ld-linux-x86-64.so.2', '/usr/local/lib/ld-world.so2'), 'latin1') } : x)));
    const before = await verifyMirror(viaDep, { env: process.env, glibc: '2.36' });
    expect(before.diagnostics.map((d) => d.message)).toEqual([expect.stringContaining('asks for the loader /usr/local/lib/ld-world.so2')]);
    await buildExtension(viaDep, { ...world, entries: [...world.entries, { path: 'usr/local/lib/ld-world.so2', content: 'loader', mode: 0o755 }] });
    await reindex(viaDep);
    expect(await ids(viaDep, { glibc: '2.36' })).toEqual([]);
  });

  it('tcz-elf-arch: an aarch64 binary in the x86_64 mirror', async () => {
    const dir = await rebuilt(hello, (e) => e.map((x) => (x.path === 'usr/local/bin/hello' ? { ...x, content: elfHeader(183) } : x)));
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['tcz-elf-arch']);
    expect(found.diagnostics[0]?.message).toContain('usr/local/bin/hello (AArch64 64-bit)');
  });
});

/** A static binary gcc leaves unstripped (symbol table kept), built once. */
async function unstrippedStatic(): Promise<Buffer> {
  const src = join(scratch, 'fat.c');
  await writeFile(src, 'int main(void) { return 0; }\n');
  await execa('gcc', ['-static', '-o', join(scratch, 'fat'), src]);
  return readFile(join(scratch, 'fat'));
}

/** Bytes a module's .modinfo carries: enough for verify's vermagic reader. */
function fakeModule(vermagic: string): Buffer {
  return Buffer.from(`\0license=GPL\0vermagic=${vermagic} SMP mod_unload modversions \0name=foo\0`, 'latin1');
}

function moduleExt(name: string, dirRelease: string, vermagic: string, extra: FixtureEntry[] = []): FixtureExtension {
  return {
    name,
    entries: [
      { path: `usr/local/lib/modules/${dirRelease}/kernel/fs/foo/foo.ko`, content: fakeModule(vermagic) },
      { path: `usr/local/share/doc/${name}/COPYING`, content: 'GPL\n' },
      ...extra,
    ],
  };
}

describe('verify judges what a TinyCore box and its QC judge (one planted defect per class)', () => {
  const hook = (text: string) => (e: readonly FixtureEntry[]): FixtureEntry[] => e.map((x) => (x.path === 'usr/local/tce.installed/hello' ? { ...x, content: text } : x));
  const swapBinary = (content: Buffer, mode = 0o755) => (e: readonly FixtureEntry[]): FixtureEntry[] => e.map((x) => (x.path === 'usr/local/bin/hello' ? { ...x, content, mode } : x));

  it('tcz-compression: an xz-compressed image', async () => {
    const dir = await rebuilt(world, (e) => [...e], { compression: 'xz' });
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity} ${d.file?.split('/').pop() ?? ''}`)).toEqual(['tcz-compression error world.tcz']);
    expect(found.diagnostics[0]?.message).toContain('compressed with xz');
  });

  it('tcz-hook-shebang, tcz-hook-crlf, tcz-hook-syntax: install hooks BusyBox ash cannot run as written', async () => {
    expect(await ids(await rebuilt(hello, hook('echo installed\n')))).toEqual(['tcz-hook-shebang hello.tcz']);
    expect(await ids(await rebuilt(hello, hook('#!/bin/sh\r\necho installed\r\n')))).toEqual(['tcz-hook-crlf hello.tcz']);
    const bad = await verifyMirror(await rebuilt(hello, hook('#!/bin/sh\nif true; then\n  echo unterminated\n')), { env: process.env });
    expect(bad.diagnostics.map((d) => d.id)).toEqual(['tcz-hook-syntax']);
    expect(bad.diagnostics[0]?.message).toMatch(/usr\/local\/tce.installed\/hello fails `busybox ash -n`: .*(syntax|unexpected)/);
  });

  it('tcz-command-mode: a command others cannot execute', async () => {
    const found = await verifyMirror(await rebuilt(hello, swapBinary(Buffer.concat([elfHeader(62), Buffer.from('body')]), 0o744)), { env: process.env });
    expect(found.diagnostics.map((d) => d.id)).toEqual(['tcz-command-mode']);
    expect(found.diagnostics[0]?.message).toContain('usr/local/bin/hello (0744)');
  });

  it('tcz-private-file: a 0600 file, accepted when the recipe sets that mode', async () => {
    const dir = await rebuilt(world, (e) => e.map((x) => (x.path.endsWith('data.txt') ? { ...x, mode: 0o600 } : x)));
    expect(await ids(dir)).toEqual(['tcz-private-file world.tcz']);
    const recipes = join(dir, '..', 'recipes');
    await mkdir(recipes);
    await writeFile(join(recipes, 'world.yaml'), recipe('world', 'files:\n  - path: usr/local/share/world/data.txt\n    mode: "0600"\n'));
    expect(await ids(dir, { recipesDir: recipes })).toEqual([]);
  });

  it('tcz-dangling-symlink: absolute and relative links to nothing; a link into an upstream dependency is only a warning', async () => {
    const dir = await rebuilt(world, (e) => [...e, { path: 'usr/local/bin/gone', type: 'symlink', target: '/usr/local/lib/nothing/here' }, { path: 'usr/local/share/world/rel', type: 'symlink', target: '../nothing.txt' }, { path: 'usr/local/share/world/ok', type: 'symlink', target: 'data.txt' }]);
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['tcz-dangling-symlink error']);
    expect(found.diagnostics[0]?.message).toBe('symlinks leading nowhere on the box: usr/local/bin/gone -> /usr/local/lib/nothing/here, usr/local/share/world/rel -> ../nothing.txt');
    // hello depends on iptables.tcz, which this mirror does not hold: it cannot tell
    const upstream = await verifyMirror(await rebuilt(hello, (e) => [...e, { path: 'usr/local/bin/ipt', type: 'symlink', target: '/usr/local/sbin/xtables-multi' }]), { env: process.env });
    expect(upstream.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['tcz-symlink-unverified warning']);
    expect(upstream.diagnostics[0]?.message).toContain('iptables.tcz');
    // a link into a dependency the mirror holds resolves
    expect(await ids(await rebuilt(hello, (e) => [...e, { path: 'usr/local/bin/data', type: 'symlink', target: '../share/world/data.txt' }]))).toEqual([]);
  });

  it('elf-glibc-floor: a Debian 12 binary (GLIBC_2.34) in a TinyCore 11 (glibc 2.30) mirror, named with its symbol; fine for glibc 2.36; unknown for 12.x', async () => {
    const dynamic = await readFile('/usr/bin/true');
    const hookLinks = '#!/bin/sh\nbox_link() { :; }\nbox_link /lib64 lib\nexit 0\n';
    const dir = await rebuilt(hello, (e) => hook(hookLinks)(swapBinary(dynamic)(e)));
    const found = await verifyMirror(dir, { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['elf-glibc-floor error']);
    expect(found.diagnostics[0]?.message).toBe('usr/local/bin/hello needs GLIBC_2.34 (__libc_start_main), newer than the glibc 2.30 of TinyCore 11.x x86_64: the loader refuses to start it');
    expect(await ids(dir, { glibc: '2.36' })).toEqual([]);
    const twelve = await verifyMirror(dir, { env: process.env, tcVersion: '12' });
    expect(twelve.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['elf-glibc-unknown warning']);
  });

  it('elf-needed-missing: a library neither the extension, its dependencies nor the base system has', async () => {
    const ls = await readFile('/usr/bin/ls'); // NEEDED libselinux.so.1, libc.so.6
    const withLs = (e: readonly FixtureEntry[]): FixtureEntry[] => [...e, { path: 'usr/local/bin/wls', content: ls, mode: 0o755 }];
    const hookLinks = { path: 'usr/local/tce.installed/world', content: '#!/bin/sh\nbox_link() { :; }\nbox_link /lib64 lib\n', mode: 0o775 };
    const dir = await rebuilt(world, (e) => [...withLs(e), hookLinks]);
    const found = await verifyMirror(dir, { env: process.env, glibc: '2.36' });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['elf-needed-missing error']);
    expect(found.diagnostics[0]?.message).toContain('libselinux.so.1 (needed by usr/local/bin/wls)');
    // shipped by the extension itself: found
    const shipped = await rebuilt(world, (e) => [...withLs(e), hookLinks, { path: 'usr/local/lib/libselinux.so.1', content: 'lib', mode: 0o755 }]);
    expect(await ids(shipped, { glibc: '2.36' })).toEqual([]);
  });

  it('elf-unstripped: a binary with its symbol table (warning)', async () => {
    const found = await verifyMirror(await rebuilt(hello, swapBinary(await unstrippedStatic())), { env: process.env });
    expect(found.diagnostics.map((d) => `${d.id} ${d.severity}`)).toEqual(['elf-unstripped warning']);
    expect(found.diagnostics[0]?.message).toBe('not stripped: usr/local/bin/hello');
  });

  it('index-stale: tags.db disagrees with a .info changed after indexing', async () => {
    const dir = await copyOfGood();
    const info = await readFile(join(dir, 'world.tcz.info'), 'utf8');
    await writeFile(join(dir, 'world.tcz.info'), info.replace(/^Tags:.*$/m, 'Tags:\t\tplanet'));
    expect(await ids(dir)).toEqual(['index-stale tags.db.gz']);
  });

  it('kernel modules: name, lib/modules dir and vermagic agree and equal the target kernel; no depmod output', async () => {
    const good = await copyOfGood();
    await buildExtension(good, moduleExt('foo-5.4.3-tinycore64', '5.4.3-tinycore64', '5.4.3-tinycore64'));
    await reindex(good);
    expect(await ids(good)).toEqual([]);

    const mixed = await copyOfGood();
    await buildExtension(mixed, moduleExt('foo-5.4.3-tinycore64', '5.4.3-tinycore64', '6.1.0-57-amd64'));
    await reindex(mixed);
    const m = await verifyMirror(mixed, { env: process.env });
    expect(m.diagnostics.map((d) => d.id)).toEqual(['kmod-release-mismatch']);
    expect(m.diagnostics[0]?.message).toContain('vermagic disagrees: usr/local/lib/modules/5.4.3-tinycore64/kernel/fs/foo/foo.ko (6.1.0-57-amd64)');

    // built for the stand-in box's Debian kernel: wrong for TinyCore 11, right when verifying for that box
    const box = await copyOfGood();
    await buildExtension(box, moduleExt('foo-6.1.0-57-amd64', '6.1.0-57-amd64', '6.1.0-57-amd64'));
    await reindex(box);
    const wrong = await verifyMirror(box, { env: process.env });
    expect(wrong.diagnostics.map((d) => d.id)).toEqual(['kmod-wrong-kernel']);
    expect(wrong.diagnostics[0]?.message).toBe('foo-6.1.0-57-amd64.tcz is built for 6.1.0-57-amd64, but the target box runs 5.4.3-tinycore64: modprobe refuses modules of another release');
    expect(await ids(box, { kernelReleases: ['6.1.0-57-amd64'] })).toEqual([]);

    const depmod = await copyOfGood();
    await buildExtension(depmod, moduleExt('foo-5.4.3-tinycore64', '5.4.3-tinycore64', '5.4.3-tinycore64', [{ path: 'usr/local/lib/modules/5.4.3-tinycore64/modules.dep', content: 'kernel/fs/foo/foo.ko:\n' }]));
    await reindex(depmod);
    expect(await ids(depmod)).toEqual(['kmod-depmod-shipped foo-5.4.3-tinycore64.tcz']);
  });
});

function recipe(name: string, tail: string): string {
  return `name: ${name}\nversion: "1.0"\ndescription: d\nauthor: a\noriginal-site: http://127.0.0.1/\ncopying-policy: MIT\n${tail}`;
}
