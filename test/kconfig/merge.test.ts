import { describe, expect, it } from 'vitest';
import { parseConfig, renderConfig } from '../../src/kconfig/config-text.js';
import { mergeFragments, renderMerged } from '../../src/kconfig/merge.js';

const values = (r: { entries: ReadonlyMap<string, { value: string }> }): Record<string, string> =>
  Object.fromEntries([...r.entries].map(([k, v]) => [k, v.value]));

describe('parseConfig', () => {
  it('reads =y, =m, numbers, strings and "is not set" as n', () => {
    const r = parseConfig('CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=0x10\nCONFIG_E="-tinycore64"\nCONFIG_F=n\n# a comment\n\nCONFIG_G=-5\n');
    expect(values(r)).toEqual({ A: 'y', B: 'm', C: 'n', D: '0x10', E: '"-tinycore64"', F: 'n', G: '-5' });
    expect(r.diagnostics).toEqual([]);
  });

  it('reports a line that is not a config assignment, with its line number', () => {
    const r = parseConfig('CONFIG_A=y\nOVERLAY_FS=m\nCONFIG_B=yes\n', 'x.cfg');
    expect(r.diagnostics.map((d) => [d.id, d.line])).toEqual([['kconfig-bad-line', 2], ['kconfig-bad-line', 3]]);
  });

  it('writes n back as "# CONFIG_X is not set"', () => {
    expect(renderConfig([{ symbol: 'A', value: 'n' }, { symbol: 'B', value: 'y' }])).toBe('# CONFIG_A is not set\nCONFIG_B=y\n');
  });
});

describe('mergeFragments (merge_config.sh semantics)', () => {
  it('lets the later fragment win and warns "redefined by" with both values', () => {
    const r = mergeFragments([
      { name: 'a', file: 'a.cfg', text: 'CONFIG_X=y\nCONFIG_Y=m\n' },
      { name: 'b', file: 'b.cfg', text: '\nCONFIG_X=m\n' },
    ]);
    expect(values(r)).toEqual({ X: 'm', Y: 'm' });
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      id: 'kconfig-redefined',
      severity: 'warning',
      file: 'b.cfg',
      line: 2,
      message: 'Value of CONFIG_X is redefined by fragment b: was y (from a), now m',
    });
  });

  it('treats =n and "is not set" as the same value: no warning', () => {
    const r = mergeFragments([
      { name: 'a', text: 'CONFIG_X=n\n' },
      { name: 'b', text: '# CONFIG_X is not set\n' },
    ]);
    expect(r.diagnostics).toEqual([]);
    expect(values(r)).toEqual({ X: 'n' });
  });

  it('does not warn when a fragment repeats the same value', () => {
    expect(mergeFragments([{ name: 'a', text: 'CONFIG_X=y\n' }, { name: 'b', text: 'CONFIG_X=y\n' }]).diagnostics).toEqual([]);
  });

  it('applies fragments onto a base config and names the base in the warning', () => {
    const r = mergeFragments([{ name: 'overlay', text: 'CONFIG_OVERLAY_FS=m\n' }], { name: 'base', text: '# CONFIG_OVERLAY_FS is not set\nCONFIG_NET=y\n' });
    expect(values(r)).toEqual({ OVERLAY_FS: 'm', NET: 'y' });
    expect(r.diagnostics[0]?.message).toBe('Value of CONFIG_OVERLAY_FS is redefined by fragment overlay: was n (from the base config), now m');
  });

  it('warns about a fragment given twice', () => {
    const r = mergeFragments([{ name: 'a', text: 'CONFIG_X=y\n' }, { name: 'a', text: 'CONFIG_X=y\n' }]);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['kconfig-fragment-twice']);
  });

  it('makes a redefinition an error in strict mode (-s)', () => {
    const r = mergeFragments([{ name: 'a', text: 'CONFIG_X=y\n' }, { name: 'b', text: 'CONFIG_X=m\n' }], undefined, { strict: true });
    expect(r.diagnostics.map((d) => [d.id, d.severity])).toEqual([['kconfig-redefined-strict', 'error']]);
  });

  it('refuses to demote y to m with noDemote (-y)', () => {
    const r = mergeFragments([{ name: 'a', text: 'CONFIG_X=y\n' }, { name: 'b', text: 'CONFIG_X=m\n' }], undefined, { noDemote: true });
    expect(values(r)).toEqual({ X: 'y' });
    expect(r.diagnostics.map((d) => d.id)).toEqual(['kconfig-demote-refused']);
  });

  it('renders the merged fragment in first-appearance order with a header', async () => {
    const r = mergeFragments([
      { name: 'overlay', text: 'CONFIG_OVERLAY_FS=m\nCONFIG_B=y\n' },
      { name: 'containers', text: 'CONFIG_C=y\nCONFIG_OVERLAY_FS=y\n# CONFIG_B is not set\n' },
    ]);
    await expect(renderMerged(r, ['overlay', 'containers'])).toMatchFileSnapshot('golden/merged.config');
  });
});
