/**
 * `kernel-module build` end to end: work out which modules the fragments turn on that the base
 * kernel config lacks, configure a throw-away object tree from that base plus only those `=m`
 * lines, check Kconfig kept them, compile just their directories and pack one
 * NAME-<kernelrelease>.tcz per module directory into outDir. Orchestration only: planning is
 * module-plan.ts, the make calls module-build.ts, packing module-pack.ts.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { diag } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import type { Recipe } from '../recipe/model.js';
import { checkConfig } from './check.js';
import { parseConfig, renderConfig } from './config-text.js';
import { readKernelConfig } from './load.js';
import { mergeFragments } from './merge.js';
import { collectKernelNeeds } from './merge-recipes.js';
import { compileModules, kernelRelease, olddefconfig, prepareSource, type BuildLog } from './module-build.js';
import { packModules, type PackedModules } from './module-pack.js';
import { moduleFragmentText, nothingToBuildMessage, planModules, type ModuleToBuild } from './module-plan.js';
import { explain, findingSummary } from './report.js';
import './codes.js';

export interface ModuleBuildOptions {
  readonly source: string;
  readonly baseConfig: string;
  readonly outDir: string;
  readonly kernelConfigDir: string;
  /** Recipes whose fragments count; undefined: every fragment in kernelConfigDir. */
  readonly recipes?: readonly Recipe[];
  /** Kept afterwards when given; otherwise a temporary directory removed at the end. */
  readonly workDir?: string;
  readonly jobs: number;
  readonly epoch?: number;
  readonly log: BuildLog;
}

export type ModuleBuildResult =
  | { readonly status: 'nothing-to-build'; readonly message: string }
  | { readonly status: 'built'; readonly kernelRelease: string; readonly packages: readonly PackedModules[] };

export async function buildKernelModules(o: ModuleBuildOptions): Promise<ModuleBuildResult> {
  const needs = await collectKernelNeeds(o.recipes, o.kernelConfigDir);
  const baseText = await readKernelConfig(o.baseConfig);
  const base = parseConfig(baseText, o.baseConfig);
  const plan = planModules(needs.requirements, needs.table, base.entries);
  if (plan.build.length === 0) return { status: 'nothing-to-build', message: nothingToBuildMessage(plan) };

  const workDir = o.workDir ?? (await mkdtemp(join(tmpdir(), 'tczbuild-kmod-')));
  try {
    const sourceDir = await prepareSource(o.source, workDir, o.log);
    const objDir = join(workDir, 'obj');
    const merged = mergeFragments([{ name: 'tczbuild-modules', text: moduleFragmentText(plan.build) }], { name: basename(o.baseConfig), text: baseText });
    o.log(`make olddefconfig (base ${basename(o.baseConfig)} + ${plan.build.map((m) => `CONFIG_${m.symbol}=m`).join(' ')})`);
    const resolved = parseConfig(await olddefconfig({ sourceDir, objDir, configText: renderConfig(merged.entries.values()) }));
    assertModulesKept(plan.build, resolved.entries, needs.table);
    const release = await kernelRelease(sourceDir, objDir);
    const built = await compileModules(sourceDir, objDir, plan.build, o.jobs, o.log);
    const epoch = o.epoch ?? (await treeEpoch(sourceDir));
    const packages: PackedModules[] = [];
    for (const [extension, modules] of groupByExtension(built)) {
      packages.push(await packModules({ extension, kernelRelease: release, modules, workDir, outDir: o.outDir, epoch, baseConfigName: basename(o.baseConfig) }));
    }
    return { status: 'built', kernelRelease: release, packages };
  } finally {
    if (o.workDir === undefined) await rm(workDir, { recursive: true, force: true });
  }
}

/** Kconfig silently turns `=m` into `=y` (no MODULES) or drops it (unmet dependencies): refuse both. */
function assertModulesKept(build: readonly ModuleToBuild[], resolved: ReturnType<typeof parseConfig>['entries'], table: Parameters<typeof checkConfig>[0]['table']): void {
  const dropped = build.filter((m) => resolved.get(m.symbol)?.value !== 'm');
  if (dropped.length === 0) return;
  const result = checkConfig({ requirements: dropped.map((m) => ({ symbol: m.symbol, value: 'm' })), config: resolved, table });
  throw new TczError(
    dropped.map((m) => {
      const finding = result.findings.find((f) => f.symbol === m.symbol);
      const actual = resolved.get(m.symbol)?.value;
      const message = actual === 'y' ? `CONFIG_${m.symbol} became =y after olddefconfig: the base config has no CONFIG_MODULES=y` : `olddefconfig dropped CONFIG_${m.symbol}=m: ${finding ? findingSummary(finding) : 'not in the resolved config'}`;
      return diag('kconfig-module-dropped', undefined, message, finding ? explain(finding).join('\n  ') : undefined);
    }),
  );
}

function groupByExtension(built: ReadonlyMap<ModuleToBuild, string>): Map<string, Map<ModuleToBuild, string>> {
  const groups = new Map<string, Map<ModuleToBuild, string>>();
  for (const [m, ko] of built) {
    const g = groups.get(m.extension) ?? new Map<ModuleToBuild, string>();
    g.set(m, ko);
    groups.set(m.extension, g);
  }
  return groups;
}

/** Image timestamps: the source tree's Makefile time, so rebuilding the same source gives the same image. */
async function treeEpoch(sourceDir: string): Promise<number> {
  return Math.floor((await stat(join(sourceDir, 'Makefile'))).mtimeMs / 1000);
}
