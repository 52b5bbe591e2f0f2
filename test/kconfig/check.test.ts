import { describe, expect, it } from 'vitest';
import { checkConfig, requirementsFrom, type CheckInput } from '../../src/kconfig/check.js';
import { parseConfig } from '../../src/kconfig/config-text.js';
import { mergeFragments } from '../../src/kconfig/merge.js';
import { findingToDiagnostic, renderReport } from '../../src/kconfig/report.js';
import { validateSymbolTable } from '../../src/kconfig/symbol-table.js';

const table = validateSymbolTable(
  {
    symbols: [
      { symbol: 'OVERLAY_FS', value: 'm', severity: 'required', fragment: 'overlay', 'needed-by': ['containerd'], why: 'overlayfs snapshotter', module: 'overlay', 'init-loads': true, 'module-dir': 'fs/overlayfs' },
      { symbol: 'NAMESPACES', value: 'y', severity: 'required', fragment: 'containers', 'needed-by': ['containerd'], why: 'runc namespaces', 'depends-on': ['MULTIUSER'] },
      { symbol: 'VETH', value: 'y', severity: 'required', fragment: 'containers', 'needed-by': ['containerd (CNI)'], why: 'veth pairs', 'depends-on': ['NETDEVICES', 'NET_CORE'], module: 'veth', 'init-loads': true },
      { symbol: 'BRIDGE_NETFILTER', value: 'y', severity: 'required', fragment: 'containers', 'needed-by': ['containerd (CNI)'], why: 'bridged traffic through iptables', 'depends-on': ['BRIDGE', 'NETFILTER && INET', 'NETFILTER_ADVANCED'], module: 'br_netfilter', 'init-loads': true },
      { symbol: 'NETFILTER_ADVANCED', value: 'y', severity: 'required', fragment: 'containers', 'needed-by': ['containerd (CNI)'], why: 'BRIDGE_NETFILTER depends on it', 'depends-on': ['NET', 'NETFILTER'] },
      { symbol: 'SECCOMP', value: 'y', severity: 'recommended', fragment: 'containers', 'needed-by': ['containerd'], why: 'syscall filtering' },
      { symbol: 'MEMCG_SWAP', value: 'y', severity: 'recommended', fragment: 'containers', 'needed-by': ['containerd'], why: 'swap limits' },
      { symbol: 'KEYS', value: 'y', severity: 'required', fragment: 'containers', 'needed-by': ['containerd'], why: 'session keyrings' },
      { symbol: 'LOCALVERSION', value: '"-tinycore64"', severity: 'recommended', fragment: 'containers', 'needed-by': ['TinyCore'], why: 'module directory name' },
    ],
  },
  'symbols.yaml',
).table;

const fragments = mergeFragments([
  { name: 'overlay', file: 'kernel-config/overlay.cfg', text: 'CONFIG_OVERLAY_FS=m\n' },
  {
    name: 'containers',
    file: 'kernel-config/containers.cfg',
    text: 'CONFIG_NAMESPACES=y\nCONFIG_VETH=y\nCONFIG_NETFILTER_ADVANCED=y\nCONFIG_BRIDGE_NETFILTER=y\nCONFIG_SECCOMP=y\nCONFIG_MEMCG_SWAP=y\nCONFIG_KEYS=y\nCONFIG_LOCALVERSION="-tinycore64"\nCONFIG_UNANNOTATED=y\n',
  },
]);
const requirements = requirementsFrom(fragments.entries.values());

function check(configText: string, extra: Partial<CheckInput> = {}) {
  return checkConfig({ requirements, table, config: parseConfig(configText).entries, ...extra });
}

const stockTinyCore = [
  'CONFIG_LOCALVERSION="-tinycore64"',
  'CONFIG_MULTIUSER=y',
  'CONFIG_NAMESPACES=y',
  'CONFIG_NETDEVICES=y',
  'CONFIG_NET_CORE=y',
  'CONFIG_VETH=m',
  'CONFIG_BRIDGE=m',
  'CONFIG_NET=y',
  'CONFIG_NETFILTER=y',
  '# CONFIG_NETFILTER_ADVANCED is not set',
  '# CONFIG_SECCOMP is not set',
  'CONFIG_KEYS=m',
  'CONFIG_UNANNOTATED=y',
].join('\n');

describe('checkConfig categories', () => {
  it('passes a config that has everything', () => {
    const r = check('CONFIG_OVERLAY_FS=y\nCONFIG_NAMESPACES=y\nCONFIG_VETH=y\nCONFIG_NETFILTER_ADVANCED=y\nCONFIG_BRIDGE_NETFILTER=y\nCONFIG_SECCOMP=y\nCONFIG_MEMCG_SWAP=y\nCONFIG_KEYS=y\nCONFIG_LOCALVERSION="-tinycore64"\nCONFIG_UNANNOTATED=y\n');
    expect(r.findings).toEqual([]);
    expect(r.ok).toHaveLength(10);
  });

  it('sorts each difference into missing / wrong value / m-not-y / module-not-loaded / unknown', () => {
    const r = check(stockTinyCore.replace('"-tinycore64"', '"-custom"'), {
      loadedModules: ['overlay', 'br-netfilter'],
      knownSymbols: new Set(['OVERLAY_FS', 'NAMESPACES', 'VETH', 'BRIDGE_NETFILTER', 'NETFILTER_ADVANCED', 'SECCOMP', 'KEYS', 'LOCALVERSION', 'UNANNOTATED']),
    });
    expect(r.findings.map((f) => [f.importance, f.category, f.symbol, f.actual])).toEqual([
      ['required', 'missing', 'OVERLAY_FS', 'absent'],
      ['required', 'missing', 'NETFILTER_ADVANCED', 'n'],
      ['required', 'missing', 'BRIDGE_NETFILTER', 'absent'],
      ['required', 'm-not-y', 'KEYS', 'm'],
      ['required', 'module-not-loaded', 'VETH', 'm'],
      ['recommended', 'unknown', 'MEMCG_SWAP', 'absent'],
      ['recommended', 'missing', 'SECCOMP', 'n'],
      ['recommended', 'wrong-value', 'LOCALVERSION', '"-custom"'],
    ]);
  });

  it('accepts =m where =y is asked when the module is named and loaded', () => {
    const r = check('CONFIG_VETH=m\n', { loadedModules: ['veth'] });
    expect(r.findings.find((f) => f.symbol === 'VETH')).toBeUndefined();
  });

  it('skips the module cross-check when no module list is known', () => {
    expect(check('CONFIG_VETH=m\n').findings.find((f) => f.symbol === 'VETH')).toBeUndefined();
  });

  it('without a symbol list, reports an absent symbol as missing and says it may not exist', () => {
    const f = check('').findings.find((x) => x.symbol === 'MEMCG_SWAP');
    expect(f?.category).toBe('missing');
    expect(findingToDiagnostic(f!).message).toContain('or this kernel has no such symbol');
  });

  it('explains a miss with the current values of what it depends on and what needs it', () => {
    const f = check(stockTinyCore).findings.find((x) => x.symbol === 'NETFILTER_ADVANCED')!;
    expect(f.dependsOn).toEqual([
      { expression: 'NET', symbols: [{ symbol: 'NET', value: 'y' }] },
      { expression: 'NETFILTER', symbols: [{ symbol: 'NETFILTER', value: 'y' }] },
    ]);
    expect(f.neededFor).toEqual(['BRIDGE_NETFILTER']);
  });

  it('gives required findings error severity and recommended ones warning, positioned at the fragment line', () => {
    const ds = check(stockTinyCore, { loadedModules: [] }).findings.map(findingToDiagnostic);
    expect(ds.map((d) => [d.id, d.severity, d.file, d.line])).toMatchInlineSnapshot(`
      [
        [
          "kconfig-missing",
          "error",
          "kernel-config/overlay.cfg",
          1,
        ],
        [
          "kconfig-missing",
          "error",
          "kernel-config/containers.cfg",
          3,
        ],
        [
          "kconfig-missing",
          "error",
          "kernel-config/containers.cfg",
          4,
        ],
        [
          "kconfig-m-not-y",
          "error",
          "kernel-config/containers.cfg",
          7,
        ],
        [
          "kconfig-module-not-loaded",
          "warning",
          "kernel-config/containers.cfg",
          2,
        ],
        [
          "kconfig-missing",
          "warning",
          "kernel-config/containers.cfg",
          5,
        ],
        [
          "kconfig-missing",
          "warning",
          "kernel-config/containers.cfg",
          6,
        ],
      ]
    `);
  });

  it('renders the human report (golden)', async () => {
    const r = check(stockTinyCore.replace('"-tinycore64"', '"-custom"'), { loadedModules: ['overlay'], knownSymbols: new Set([...requirements.map((x) => x.symbol)].filter((s) => s !== 'MEMCG_SWAP')) });
    const text = renderReport(r, { config: 'config-6.1.2-tinycore64', fragments: ['overlay', 'containers'], kernelTree: 'linux-6.1', modulesKnown: true });
    await expect(text).toMatchFileSnapshot('golden/report-tinycore.txt');
  });

  it('renders the diagnostics a user sees (golden)', async () => {
    const { formatDiagnostics } = await import('../../src/diagnostics/format.js');
    const r = check(stockTinyCore, { loadedModules: ['overlay'] });
    await expect(`${formatDiagnostics(r.findings.map(findingToDiagnostic))}\n`).toMatchFileSnapshot('golden/diagnostics-tinycore.txt');
  });
});
