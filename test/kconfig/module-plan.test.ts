import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/kconfig/config-text.js';
import { moduleFragmentText, moduleImagePath, nothingToBuildMessage, planModules } from '../../src/kconfig/module-plan.js';
import { validateSymbolTable } from '../../src/kconfig/symbol-table.js';

const { table } = validateSymbolTable(
  {
    symbols: [
      { symbol: 'OVERLAY_FS', value: 'm', severity: 'required', fragment: 'overlay', 'needed-by': ['containerd'], why: 'w', module: 'overlay', 'module-dir': 'fs/overlayfs' },
      { symbol: 'VETH', value: 'y', severity: 'required', fragment: 'containers', 'needed-by': ['containerd'], why: 'w', module: 'veth' },
      { symbol: 'NAMESPACES', value: 'y', severity: 'required', fragment: 'containers', 'needed-by': ['containerd'], why: 'w' },
    ],
  },
  'symbols.yaml',
);
const requirements = [
  { symbol: 'OVERLAY_FS', value: 'm' },
  { symbol: 'VETH', value: 'y' },
  { symbol: 'NAMESPACES', value: 'y' },
];

describe('planModules', () => {
  it('builds a module the base lacks when its table entry names a module directory, and only that', () => {
    const plan = planModules(requirements, table, parseConfig('# CONFIG_OVERLAY_FS is not set\n# CONFIG_VETH is not set\n').entries);
    expect(plan.build).toEqual([{ symbol: 'OVERLAY_FS', module: 'overlay', moduleDir: 'fs/overlayfs', extension: 'overlayfs' }]);
    expect(moduleFragmentText(plan.build)).toBe('CONFIG_OVERLAY_FS=m\n');
    expect(moduleImagePath('6.1.2-tinycore64', plan.build[0]!)).toBe('usr/local/lib/modules/6.1.2-tinycore64/kernel/fs/overlayfs/overlay.ko');
  });

  it('builds nothing when the base already has the symbol =y or =m, and says so', () => {
    for (const value of ['y', 'm']) {
      const plan = planModules(requirements, table, parseConfig(`CONFIG_OVERLAY_FS=${value}\n`).entries);
      expect(plan.build).toEqual([]);
      expect(nothingToBuildMessage(plan)).toBe(`nothing to build: the base config already has CONFIG_OVERLAY_FS=${value} (overlay)`);
    }
  });
});
