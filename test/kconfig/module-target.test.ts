/** The checks `kernel-module build` makes on a built .ko and its inputs (module-target.ts). */
import { describe, expect, it } from 'vitest';
import { checkBuiltModule, configKernelVersion, makefileKernelVersion, parseModversions, parseSymvers, versionMismatch } from '../../src/kconfig/module-target.js';

const symvers = parseSymvers('0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\n0x0000abcd\tiput\tvmlinux\tEXPORT_SYMBOL\t\n');
const target = { release: '6.1.0-57-amd64', modversions: true, symvers, symversFile: 'Module.symvers' };
const good = { ko: 'overlay.ko', vermagic: '6.1.0-57-amd64 SMP preempt mod_unload modversions \n', undefinedSymbols: ['phys_base', 'iput'], versions: parseModversions('0x4c9d28b0\tphys_base\n0x0000abcd\tiput\n') };

describe('checkBuiltModule', () => {
  it('accepts a module with the target vermagic whose imports all carry the target CRCs', () => {
    expect(checkBuiltModule(good, target)).toEqual([]);
  });
  it('reports another release or a missing modversions flag in vermagic', () => {
    expect(checkBuiltModule({ ...good, vermagic: '6.1.192 SMP preempt mod_unload modversions' }, target).map((d) => d.id)).toEqual(['kconfig-module-vermagic']);
    expect(checkBuiltModule({ ...good, vermagic: '6.1.0-57-amd64 SMP preempt mod_unload' }, target).map((d) => d.id)).toEqual(['kconfig-module-vermagic']);
  });
  it('reports symbols the target does not export, by name', () => {
    const [d] = checkBuiltModule({ ...good, undefinedSymbols: [...good.undefinedSymbols, 'ovl_missing_helper'] }, target);
    expect(d).toMatchObject({ id: 'kconfig-module-unresolved', file: 'overlay.ko' });
    expect(d!.message).toContain('ovl_missing_helper');
  });
  it('reports an empty __versions or a CRC from another kernel', () => {
    expect(checkBuiltModule({ ...good, versions: new Map() }, target).map((d) => d.id)).toEqual(['kconfig-module-unversioned']);
    expect(checkBuiltModule({ ...good, versions: parseModversions('0x4c9d28b0\tphys_base\n0x00000001\tiput\n') }, target)[0]!.message).toContain('iput');
  });
  it('checks only vermagic when no Module.symvers is known', () => {
    expect(checkBuiltModule({ ...good, undefinedSymbols: ['anything'] }, { release: '6.1.0-57-amd64', modversions: true })).toEqual([]);
  });
});

describe('kernel versions', () => {
  it('reads a config header and a Makefile, and refuses a mismatch with the fix', () => {
    expect(configKernelVersion('#\n# Linux/x86 5.4.3 Kernel Configuration\n#\n')).toBe('5.4.3');
    expect(configKernelVersion('CONFIG_MODULES=y\n')).toBeUndefined();
    expect(makefileKernelVersion('VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\nEXTRAVERSION =\n')).toBe('6.1.192');
    const d = versionMismatch({ file: 'config-5.4.3-tinycore64', text: '# Linux/x86 5.4.3 Kernel Configuration\n' }, { file: 'linux-6.1', version: '6.1.192' });
    expect(d).toMatchObject({ id: 'kconfig-version-mismatch', file: 'config-5.4.3-tinycore64' });
    expect(versionMismatch({ file: 'c', text: '# Linux/x86 6.1.192 Kernel Configuration\n' }, { file: 's', version: '6.1.192' })).toBeUndefined();
  });
});

describe('what kernel-module build and kernel-config check report about their inputs', () => {
  const config = '#\n# Linux/x86 6.1.192 Kernel Configuration\n#\nCONFIG_CC_VERSION_TEXT="gcc (Debian 12.2.0-14) 12.2.0"\nCONFIG_MODULES=y\n';

  it('a compiler other than the one the config records', async () => {
    const { compilerMismatch, configCompiler } = await import('../../src/kconfig/module-target.js');
    expect(configCompiler(config)).toBe('gcc (Debian 12.2.0-14) 12.2.0');
    expect(compilerMismatch(config, 'gcc (Debian 12.2.0-14) 12.2.0\n')).toBeUndefined();
    expect(compilerMismatch(config, 'gcc (GCC) 9.2.0')).toBe('the kernel was built with "gcc (Debian 12.2.0-14) 12.2.0" but this build uses "gcc (GCC) 9.2.0": the module may not load or may misbehave; build with the kernel\'s compiler where you can');
    expect(compilerMismatch('CONFIG_MODULES=y\n', 'gcc (GCC) 9.2.0')).toBeUndefined();
  });

  it('a --kernel-tree of another version than the config', async () => {
    const { treeVersionMismatch } = await import('../../src/kconfig/module-target.js');
    expect(treeVersionMismatch(config, 'config-6.1.192', '6.1.192', 'linux')).toBeUndefined();
    const d = treeVersionMismatch(config, 'config-6.1.192', '5.4.3', '/usr/src/linux-5.4.3');
    expect(d).toMatchObject({ id: 'kconfig-tree-version', severity: 'warning', file: 'config-6.1.192' });
    expect(d!.message).toBe('config-6.1.192 is the config of Linux 6.1.192, but --kernel-tree /usr/src/linux-5.4.3 is Linux 5.4.3: unknown symbols and depends lines are judged by the 5.4.3 tree');
  });
});
