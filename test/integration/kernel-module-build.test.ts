/**
 * `tczbuild kernel-module build` against a real Linux 6.1 tree: the overlay module is compiled
 * for the base config's kernel release and packed where TinyCore expects it; a base that already
 * has overlayfs builds nothing; a source that is not a kernel is refused.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { makeTarGz } from '../helpers/tarball.js';
import { testdir } from '../helpers/testdir.js';
import { ensureLinuxTree, makefileRelease } from '../kconfig/linux-tree.js';

let tree: string;
let defconfig: string;
beforeAll(async () => {
  tree = await ensureLinuxTree();
  defconfig = await readFile(join(tree, 'arch/x86/configs/x86_64_defconfig'), 'utf8');
}, 900_000);

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
    await runTool('unsquashfs', ['-d', unpacked, join(out, name)]);
    const vermagic = (await runTool('modinfo', ['-F', 'vermagic', join(unpacked, modulePath)])).stdout.trim();
    expect(vermagic.split(' ')[0]).toBe(release);
    expect((await runTool('modinfo', ['-F', 'name', join(unpacked, modulePath)])).stdout.trim()).toBe('overlay');

    const listing = (await runTool('unsquashfs', ['-lln', join(out, name)])).stdout;
    expect(listing).toMatch(new RegExp(`-rw-r--r-- 0/0 .* squashfs-root/${modulePath.replace(/\./g, '\\.')}\\n`));
    expect(listing).not.toMatch(/ (?!0\/0)\d+\/\d+ /);
    expect(await readFile(join(out, `${name}.list`), 'utf8')).toBe(`${modulePath}\n`);
    const md5 = createHash('md5').update(await readFile(join(out, name))).digest('hex');
    expect(await readFile(join(out, `${name}.md5.txt`), 'utf8')).toBe(`${md5}  ${name}\n`);
    expect(await readFile(join(out, `${name}.info`), 'utf8')).toMatch(new RegExp(`^Title:\\t${name.replace(/\./g, '\\.')}\\n`));
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
});
