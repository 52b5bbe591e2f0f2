import { describe, expect, it } from 'vitest';
import { collectKernelNeeds } from '../../src/kconfig/merge-recipes.js';
import { bundledKernelConfigDir, listFragments } from '../../src/kconfig/load.js';

describe('kernel-config/ as shipped', () => {
  it('has the fragments recipes name', async () => {
    expect(await listFragments(bundledKernelConfigDir)).toEqual(['cni', 'containers', 'overlay', 'tinycore']);
  });

  it('merges without a warning and annotates every fragment symbol with the same value and fragment', async () => {
    const needs = await collectKernelNeeds(undefined, bundledKernelConfigDir);
    expect(needs.diagnostics).toEqual([]);
    for (const e of needs.merged.entries.values()) {
      const info = needs.table.get(e.symbol);
      expect(info, `CONFIG_${e.symbol} needs an entry in symbols.yaml`).toBeDefined();
      expect([info!.value, info!.fragment]).toEqual([e.value, e.from]);
    }
    for (const symbol of needs.table.keys()) expect(needs.merged.entries.has(symbol), `${symbol} is in no fragment`).toBe(true);
  });

  it('asks for overlay as a module with the directory kernel-module build compiles', async () => {
    const needs = await collectKernelNeeds(undefined, bundledKernelConfigDir);
    expect(needs.table.get('OVERLAY_FS')).toMatchObject({ value: 'm', severity: 'required', module: 'overlay', initLoads: true, moduleDir: 'fs/overlayfs' });
  });
});
