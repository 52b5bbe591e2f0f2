/**
 * The shipped fragments against a real Kconfig tree (Linux 6.1): merged into x86_64_defconfig
 * they survive `make olddefconfig`, and a symbol this kernel renamed or removed is reported as
 * unknown instead of vanishing silently.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { parseConfig } from '../../src/kconfig/config-text.js';
import { collectKernelNeeds } from '../../src/kconfig/merge-recipes.js';
import { bundledKernelConfigDir } from '../../src/kconfig/load.js';
import { tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { ensureLinuxTree } from '../kconfig/linux-tree.js';

let tree: string;
beforeAll(async () => {
  tree = await ensureLinuxTree();
}, 900_000);

/** defconfig + merged fragment → make olddefconfig in a fresh O= dir; returns the resolved .config path. */
async function resolveWithFragment(fragmentFile: string): Promise<string> {
  const obj = await testdir();
  const defconfig = await readFile(join(tree, 'arch/x86/configs/x86_64_defconfig'), 'utf8');
  await writeFile(join(obj, '.config'), `${defconfig}\n${await readFile(fragmentFile, 'utf8')}`);
  await runTool('make', ['-C', tree, `O=${obj}`, 'olddefconfig'], { env: process.env });
  return join(obj, '.config');
}

describe('shipped fragments on Linux 6.1 x86_64_defconfig', () => {
  it('every requested symbol keeps its wanted value after make olddefconfig, and check agrees', async () => {
    const work = await testdir();
    const emit = await tczbuild(['kernel-config', 'emit', '--output', 'tczbuild.config'], { cwd: work });
    expect(emit.code, emit.stderr).toBe(0);
    const resolved = await resolveWithFragment(join(work, 'tczbuild.config'));

    const final = parseConfig(await readFile(resolved, 'utf8')).entries;
    const needs = await collectKernelNeeds(undefined, bundledKernelConfigDir);
    const required = needs.requirements.filter((r) => needs.table.get(r.symbol)?.severity === 'required');
    expect(required.length).toBeGreaterThan(30);
    const lost = needs.requirements.filter((r) => final.get(r.symbol)?.value !== r.value).map((r) => `${r.symbol}=${r.value} -> ${final.get(r.symbol)?.value ?? 'absent'}`);
    expect(lost).toEqual([]);

    const check = await tczbuild(['kernel-config', 'check', resolved, '--kernel-tree', tree, '--werror'], { cwd: work });
    expect(check.stdout).toContain(`${needs.requirements.length} ok, 0 required and 0 recommended finding(s)`);
    expect(check.code).toBe(0);
  });

  it('the bare defconfig fails the check: exit 1, with the missing required symbols explained', async () => {
    const work = await testdir();
    const check = await tczbuild(['kernel-config', 'check', join(tree, 'arch/x86/configs/x86_64_defconfig'), '--kernel-tree', tree, '--json'], { cwd: work });
    expect(check.code).toBe(1);
    const result = check.events.find((e) => e.type === 'result') as { findings: Array<{ symbol: string; category: string; importance: string; dependsOn: unknown[] }> };
    const overlay = result.findings.find((f) => f.symbol === 'OVERLAY_FS');
    expect(overlay).toMatchObject({ category: 'missing', importance: 'required' });
    const bridgeNf = result.findings.find((f) => f.symbol === 'BRIDGE_NETFILTER');
    expect(bridgeNf?.dependsOn.length).toBeGreaterThan(0);
  });

  it('reports a renamed or removed symbol as unknown to this kernel, not as silently dropped', async () => {
    const kc = await testdir();
    await cp(bundledKernelConfigDir, kc, { recursive: true });
    // MEMCG_SWAP (boot2docker's fragments still ask for it) and NF_NAT_IPV4 (moby's check for <= 5.1) are gone in 6.1.
    await writeFile(join(kc, 'legacy.cfg'), 'CONFIG_MEMCG_SWAP=y\nCONFIG_NF_NAT_IPV4=m\n');
    const table = await readFile(join(kc, 'symbols.yaml'), 'utf8');
    await writeFile(
      join(kc, 'symbols.yaml'),
      `${table}  - symbol: MEMCG_SWAP\n    value: y\n    severity: required\n    fragment: legacy\n    needed-by: [containerd]\n    why: swap limits\n`,
    );
    const work = await testdir();
    const emit = await tczbuild(['kernel-config', 'emit', '--kernel-config', kc, '--output', 'merged.config'], { cwd: work });
    expect(emit.code, emit.stderr).toBe(0);
    const resolved = await resolveWithFragment(join(work, 'merged.config'));
    expect(await readFile(resolved, 'utf8')).not.toMatch(/CONFIG_MEMCG_SWAP[= ]|CONFIG_NF_NAT_IPV4[= ]/);

    const check = await tczbuild(['kernel-config', 'check', resolved, '--kernel-config', kc, '--kernel-tree', tree, '--json'], { cwd: work });
    const result = check.events.find((e) => e.type === 'result') as { findings: Array<{ symbol: string; category: string; importance: string }> };
    expect(result.findings.map((f) => [f.symbol, f.category, f.importance])).toEqual([
      ['MEMCG_SWAP', 'unknown', 'required'],
      ['NF_NAT_IPV4', 'unknown', 'recommended'],
    ]);
    expect(check.code).toBe(1);
    const text = await tczbuild(['kernel-config', 'check', resolved, '--kernel-config', kc, '--kernel-tree', tree], { cwd: work });
    expect(text.stdout).toContain('CONFIG_MEMCG_SWAP does not exist in this kernel (renamed or removed?)');
  });
});
