/**
 * `tczbuild kernel-module build` against a real Linux 6.1 tree: the overlay module is compiled
 * for the base config's kernel release and packed where TinyCore expects it; against Debian's
 * headers (CONFIG_MODVERSIONS=y) it carries Debian's vermagic and symbol CRCs, so the booted Debian
 * kernel loads it; a base that already has overlayfs builds nothing; a source that is not a
 * kernel, a config of another kernel version and MODVERSIONS without Module.symvers are refused.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { makeTarGz } from '../helpers/tarball.js';
import { testdir } from '../helpers/testdir.js';
import { debianHeadersDir, ensureLinuxTree, makefileRelease } from '../kconfig/linux-tree.js';
import { overlayModule } from './helpers/box-project.js';

let tree: string;
let defconfig: string;
beforeAll(async () => {
  tree = await ensureLinuxTree();
  defconfig = await readFile(join(tree, 'arch/x86/configs/x86_64_defconfig'), 'utf8');
}, 900_000);

/**
 * One source-tree build serves two tests: --release pins it to the box's release, and
 * CONFIG_MODVERSIONS=y with --symvers Module.symvers.gz takes its CRCs from that file. Each test
 * asserts its own half of the result; the overlay module compiles once for both (minutes).
 */
let pinned: Promise<{ work: string; release: string; symvers: Buffer }> | undefined;
let pinnedWork: string | undefined;
function pinnedModversionsBuild(): Promise<{ work: string; release: string; symvers: Buffer }> {
  pinned ??= (async () => {
    const headers = await debianHeadersDir();
    const work = (pinnedWork = await testdir({}, { keep: true }));
    const symvers = await readFile(join(headers, 'Module.symvers'));
    const { gzipSync } = await import('node:zlib');
    await writeFile(join(work, 'Module.symvers.gz'), gzipSync(symvers));
    await writeFile(join(work, 'modversions.config'), `${defconfig}\nCONFIG_MODVERSIONS=y\n# CONFIG_OVERLAY_FS is not set\n`);
    const release = '6.1.0-57-amd64';
    const run = await tczbuild(['kernel-module', 'build', '--source', tree, '--base-config', 'modversions.config', '--release', release, '--symvers', 'Module.symvers.gz', '--out', 'out', '--jobs', '2'], { cwd: work });
    if (run.code !== 0) throw new Error(`kernel-module build --release --symvers failed (${run.code}):\n${run.stderr}${run.stdout}`);
    await runTool('unsquashfs', ['-d', join(work, 'unpacked'), join(work, 'out', `overlayfs-${release}.tcz`)], { env: process.env });
    return { work, release, symvers };
  })();
  return pinned;
}
afterAll(async () => {
  if (pinnedWork) await rm(pinnedWork, { recursive: true, force: true });
});

describe('kernel-module build', () => {
  it('builds overlay.ko for the base config kernel release and packs overlayfs-<release>.tcz at the module path', async () => {
    const work = await testdir();
    // A TinyCore-style base: no overlayfs, a LOCALVERSION that must end up in the release and the path.
    await writeFile(join(work, 'config-tinycore64'), `${defconfig}\nCONFIG_LOCALVERSION="-tinycore64"\n# CONFIG_OVERLAY_FS is not set\n`);
    const run = await tczbuild(['kernel-module', 'build', '--source', tree, '--base-config', 'config-tinycore64', '--out', 'out', '--jobs', '2'], { cwd: work, env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(run.code, run.stderr + run.stdout).toBe(0);

    const release = `${await makefileRelease(tree)}-tinycore64`;
    const name = `overlayfs-${release}.tcz`;
    const out = join(work, 'out');
    expect((await readdir(out)).sort()).toEqual([name, `${name}.info`, `${name}.list`, `${name}.md5.txt`]);

    const modulePath = `usr/local/lib/modules/${release}/kernel/fs/overlayfs/overlay.ko`;
    const unpacked = join(work, 'unpacked');
    await runTool('unsquashfs', ['-d', unpacked, join(out, name)], { env: process.env });
    const vermagic = (await runTool('modinfo', ['-F', 'vermagic', join(unpacked, modulePath)], { env: process.env })).stdout.trim();
    expect(vermagic.split(' ')[0]).toBe(release);
    expect((await runTool('modinfo', ['-F', 'name', join(unpacked, modulePath)], { env: process.env })).stdout.trim()).toBe('overlay');

    const listing = (await runTool('unsquashfs', ['-lln', join(out, name)], { env: process.env })).stdout;
    expect(listing).toMatch(new RegExp(`-rw-r--r-- 0/0 .* squashfs-root/${modulePath.replace(/\./g, '\\.')}\\n`));
    expect(listing).not.toMatch(/ (?!0\/0)\d+\/\d+ /);
    // the kernel's own license texts, so the extension carries its notice (verify: tcz-no-license)
    const doc = `usr/local/share/doc/overlayfs-${release}`;
    expect(await readFile(join(out, `${name}.list`), 'utf8')).toBe(`${modulePath}\n${doc}/COPYING\n${doc}/GPL-2.0\n${doc}/Linux-syscall-note\n`);
    expect(await readFile(join(unpacked, doc, 'COPYING'))).toEqual(await readFile(join(tree, 'COPYING')));
    expect(await readFile(join(unpacked, doc, 'GPL-2.0'))).toEqual(await readFile(join(tree, 'LICENSES/preferred/GPL-2.0')));
    const verify = await tczbuild(['verify', '--json', '--arch', 'x86_64', 'out'], { cwd: work });
    expect(diagnosticsOf(verify).filter((d) => d.id === 'tcz-no-license')).toEqual([]);
    const md5 = createHash('md5').update(await readFile(join(out, name))).digest('hex');
    expect(await readFile(join(out, `${name}.md5.txt`), 'utf8')).toBe(`${md5}  ${name}\n`);
    expect(await readFile(join(out, `${name}.info`), 'utf8')).toMatch(new RegExp(`^Title:\\t${name.replace(/\./g, '\\.')}\\n`));
  }, 900_000);

  it('--release pins a source-tree build to the box\'s uname -r: vermagic, module path and file name', async () => {
    // the case Debian's source gives: the tree calls itself 6.1.x, the box runs 6.1.0-57-amd64
    const { work, release } = await pinnedModversionsBuild();
    const name = `overlayfs-${release}.tcz`;
    expect(await readdir(join(work, 'out'))).toContain(name);
    const vermagic = (await runTool('modinfo', ['-F', 'vermagic', join(work, 'unpacked', `usr/local/lib/modules/${release}/kernel/fs/overlayfs/overlay.ko`)], { env: process.env })).stdout.trim();
    expect(vermagic.split(' ')[0]).toBe(release);
  }, 900_000);

  it('says "nothing to build" for a base config that already has CONFIG_OVERLAY_FS=y', async () => {
    const work = await testdir();
    await writeFile(join(work, 'base.config'), `${defconfig}\nCONFIG_OVERLAY_FS=y\n`);
    const run = await tczbuild(['kernel-module', 'build', '--source', tree, '--base-config', 'base.config', '--out', 'out'], { cwd: work });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nothing to build: the base config already has CONFIG_OVERLAY_FS=y (overlay)');
    expect(await readdir(work)).toEqual(['base.config']);
  });

  it('refuses a source tarball that is not a Linux tree, with an id and the file', async () => {
    const work = await testdir({ 'base.config': '# CONFIG_OVERLAY_FS is not set\nCONFIG_MODULES=y\n' });
    await writeFile(join(work, 'not-linux.tar.gz'), await makeTarGz([{ name: 'hello/README', content: 'hi' }]));
    const run = await tczbuild(['kernel-module', 'build', '--source', 'not-linux.tar.gz', '--base-config', 'base.config', '--json'], { cwd: work });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run)).toMatchObject([{ id: 'kconfig-source-invalid', file: join(work, 'not-linux.tar.gz') }]);
  });

  it('refuses a base config without module support instead of building overlay into nothing', async () => {
    const work = await testdir();
    await writeFile(join(work, 'nomodules.config'), `${defconfig.replace('CONFIG_MODULES=y', '# CONFIG_MODULES is not set')}\n`);
    const run = await tczbuild(['kernel-module', 'build', '--source', tree, '--base-config', 'nomodules.config', '--json'], { cwd: work });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run).map((d) => [d.id, d.message])).toEqual([['kconfig-module-dropped', 'CONFIG_OVERLAY_FS became =y after olddefconfig: the base config has no CONFIG_MODULES=y']]);
  }, 300_000);

  it("builds overlay.ko against Debian's headers with Debian's vermagic, a populated __versions and only symbols Debian's kernel exports", async () => {
    const headers = await debianHeadersDir();
    const debianConfig = await readFile(join(headers, '.config'), 'utf8');
    expect(debianConfig).toMatch(/^CONFIG_MODVERSIONS=y$/m);
    const release = /UTS_RELEASE "([^"]+)"/.exec(await readFile(join(headers, 'include/generated/utsrelease.h'), 'utf8'))![1]!;
    const work = await testdir();
    // The box's kernel as if it lacked overlayfs (the stand-in box drops Debian's own overlay.ko):
    // the very build the box tests install, compiled once per run for all of them
    // (helpers/box-project.ts: kernel-module build --headers with that config).
    const out = await overlayModule(release);
    const name = `overlayfs-${release}.tcz`;
    expect((await readdir(out)).sort()).toEqual([name, `${name}.info`, `${name}.list`, `${name}.md5.txt`]);

    const unpacked = join(work, 'unpacked');
    await runTool('unsquashfs', ['-d', unpacked, join(out, name)], { env: process.env });
    const ko = join(unpacked, `usr/local/lib/modules/${release}/kernel/fs/overlayfs/overlay.ko`);
    const vermagic = (await runTool('modinfo', ['-F', 'vermagic', ko], { env: process.env })).stdout.trim().split(/\s+/);
    expect(vermagic[0]).toBe(release);
    expect(vermagic).toContain('modversions');

    // What the kernel checks at insmod: each imported symbol's CRC in __versions equals the kernel's.
    const kernelCrc = new Map((await readFile(join(headers, 'Module.symvers'), 'utf8')).split('\n').map((l) => l.split('\t')).map(([crc, sym]) => [sym ?? '', crc ?? '']));
    const versions = new Map((await runTool('modprobe', ['--dump-modversions', ko], { env: process.env })).stdout.trim().split('\n').map((l) => l.split('\t')).map(([crc, sym]) => [sym ?? '', crc ?? '']));
    const undefinedSymbols = (await runTool('nm', ['-u', '--format=posix', ko], { env: process.env })).stdout.trim().split('\n').map((l) => l.split(' ')[0]!);
    expect(undefinedSymbols.length).toBeGreaterThan(50);
    expect(undefinedSymbols.filter((s) => !kernelCrc.has(s))).toEqual([]);
    expect(undefinedSymbols.filter((s) => Number(versions.get(s)) !== Number(kernelCrc.get(s)))).toEqual([]);
  }, 900_000);

  it('with --symvers (a .gz is accepted) a MODVERSIONS build takes its CRCs from that file', async () => {
    const { work, release, symvers } = await pinnedModversionsBuild();
    const ko = join(work, 'unpacked', `usr/local/lib/modules/${release}/kernel/fs/overlayfs/overlay.ko`);
    expect((await runTool('modinfo', ['-F', 'vermagic', ko], { env: process.env })).stdout).toContain('modversions');
    const crc = new Map(symvers.toString('utf8').split('\n').map((l) => l.split('\t')).map(([c, sym]) => [sym ?? '', Number(c)]));
    const versions = (await runTool('modprobe', ['--dump-modversions', ko], { env: process.env })).stdout.trim().split('\n').map((l) => l.split('\t'));
    expect(versions.length).toBeGreaterThan(50);
    expect(versions.filter(([c, sym]) => sym !== 'module_layout' && crc.get(sym ?? '') !== Number(c))).toEqual([]);
  }, 900_000);

  it('refuses CONFIG_MODVERSIONS=y without the kernel Module.symvers, before compiling anything', async () => {
    const work = await testdir();
    await writeFile(join(work, 'modversions.config'), `${defconfig}\nCONFIG_MODVERSIONS=y\n# CONFIG_OVERLAY_FS is not set\n`);
    const run = await tczbuild(['kernel-module', 'build', '--source', tree, '--base-config', 'modversions.config', '--out', 'out', '--json'], { cwd: work });
    expect(run.code).toBe(1);
    const [d] = diagnosticsOf(run);
    expect(d).toMatchObject({ id: 'kconfig-symvers-missing', file: join(work, 'modversions.config') });
    expect(d!.hint).toContain('--symvers FILE');
    expect(await readdir(work)).toEqual(['modversions.config']);
  });

  it('refuses a TinyCore 5.4.3 config against the 6.1 tree instead of letting olddefconfig rewrite it', async () => {
    const work = await testdir();
    await writeFile(join(work, 'config-5.4.3-tinycore64'), `#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 5.4.3 Kernel Configuration\n#\n${defconfig}\nCONFIG_LOCALVERSION="-tinycore64"\n# CONFIG_OVERLAY_FS is not set\n`);
    const run = await tczbuild(['kernel-module', 'build', '--source', tree, '--base-config', 'config-5.4.3-tinycore64', '--out', 'out', '--json'], { cwd: work });
    expect(run.code).toBe(1);
    const [d] = diagnosticsOf(run);
    expect(d).toMatchObject({ id: 'kconfig-version-mismatch', file: join(work, 'config-5.4.3-tinycore64') });
    expect(d!.message).toContain(`Linux 5.4.3, but ${tree} is Linux ${await makefileRelease(tree)}`);
    expect(d!.hint).toContain('release/src/kernel/');
    expect(await readdir(work)).toEqual(['config-5.4.3-tinycore64']);
  });
});
