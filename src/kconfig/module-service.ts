/**
 * `kernel-module build` end to end: work out which modules the fragments turn on that the base
 * kernel config lacks, configure a throw-away object tree from that base plus only those `=m`
 * lines, check Kconfig kept them, compile just their directories and pack one
 * NAME-<kernelrelease>.tcz per module directory into outDir. With a headers directory the
 * modules are compiled against it instead (its config, Module.symvers and release). Refuses a
 * config made for another kernel version and MODVERSIONS without a Module.symvers; checks each
 * built .ko against the target before packing. Orchestration only: planning is module-plan.ts,
 * the make calls module-build.ts and module-target-io.ts, checks module-target.ts, packing
 * module-pack.ts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { fail, TczError } from '../diagnostics/errors.js';
import type { Recipe } from '../recipe/model.js';
import { checkConfig } from './check.js';
import { parseConfig, renderConfig } from './config-text.js';
import { readKernelConfig } from './load.js';
import { mergeFragments } from './merge.js';
import { collectKernelNeeds } from './merge-recipes.js';
import { compileModules, kernelRelease, olddefconfig, prepareSource, type BuildLog } from './module-build.js';
import { packModules, type PackedModules } from './module-pack.js';
import { checkBuiltModule, compilerMismatch, makefileKernelVersion, versionMismatch } from './module-target.js';
import { runTool, type Env } from '../util/exec.js';
import { builtExports, compileAgainstHeaders, inspectModule, placeSymvers, readHeadersDir, readSymvers, type HeadersDir, type Symvers } from './module-target-io.js';
import { moduleFragmentText, nothingToBuildMessage, planModules, type ModuleToBuild } from './module-plan.js';
import { explain, findingSummary } from './report.js';

export interface ModuleBuildOptions {
  readonly source: string;
  /** The target kernel's config; defaults to the headers' .config. */
  readonly baseConfig?: string;
  /** The target kernel's Module.symvers (plain or .gz). */
  readonly symvers?: string;
  /** A prepared headers tree of the target kernel (Debian: /usr/src/linux-headers-RELEASE). */
  readonly headers?: string;
  readonly outDir: string;
  readonly kernelConfigDir: string;
  /** Recipes whose fragments count; undefined: every fragment in kernelConfigDir. */
  readonly recipes?: readonly Recipe[];
  /** Kept afterwards when given; otherwise a temporary directory removed at the end. */
  readonly workDir?: string;
  readonly jobs: number;
  readonly epoch?: number;
  readonly log: BuildLog;
  /** The run's environment, which tar, make, gcc and the module tools run in. */
  readonly env: Env;
  /** Pin the modules' kernel release (vermagic, lib/modules dir, file name) to the box's `uname -r`. */
  readonly release?: string;
}

export type ModuleBuildResult =
  | { readonly status: 'nothing-to-build'; readonly message: string }
  | { readonly status: 'built'; readonly kernelRelease: string; readonly packages: readonly PackedModules[] };

export async function buildKernelModules(o: ModuleBuildOptions): Promise<ModuleBuildResult> {
  const headers = o.headers === undefined ? undefined : await readHeadersDir(o.headers);
  const baseConfig = o.baseConfig ?? headers?.configFile;
  if (baseConfig === undefined) throw new Error('buildKernelModules needs baseConfig or headers');
  const needs = await collectKernelNeeds(o.recipes, o.kernelConfigDir);
  const baseText = await readKernelConfig(baseConfig, o.env);
  const base = parseConfig(baseText, baseConfig);
  const plan = planModules(needs.requirements, needs.table, base.entries);
  if (plan.build.length === 0) return { status: 'nothing-to-build', message: nothingToBuildMessage(plan) };

  const targetConfig = headers ? parseConfig(await readFile(headers.configFile, 'utf8'), headers.configFile) : base;
  const modversions = targetConfig.entries.get('MODVERSIONS')?.value === 'y';
  const symversFile = o.symvers ?? headers?.symversFile;
  if (modversions && symversFile === undefined) fail('kconfig-symvers-missing', { file: baseConfig }, `${baseConfig} has CONFIG_MODVERSIONS=y: the kernel refuses modules without its symbol CRCs, and those come only from its Module.symvers`);
  const symvers = symversFile === undefined ? undefined : await readSymvers(symversFile);

  const workDir = o.workDir ?? (await mkdtemp(join(tmpdir(), 'tczbuild-kmod-')));
  try {
    const sourceDir = await prepareSource(o.source, workDir, o.log, o.env);
    const sourceVersion = makefileKernelVersion(await readFile(join(sourceDir, 'Makefile'), 'utf8'));
    for (const config of headers ? [baseConfig, headers.configFile] : [baseConfig]) {
      const text = config === baseConfig ? baseText : await readFile(config, 'utf8');
      const mismatch = versionMismatch({ file: config, text }, { file: o.source, version: sourceVersion });
      if (mismatch) throw new TczError([mismatch]);
    }
    const compiler = compilerMismatch(headers ? await readFile(headers.configFile, 'utf8') : baseText, await hostCompiler(o.env));
    if (compiler) o.log(`warning: ${compiler}`);
    if (headers && o.release !== undefined && o.release !== headers.release) {
      fail('kconfig-release-mismatch', { file: o.headers }, `--release ${o.release} but ${o.headers} is the headers of ${headers.release}: modules built against them carry ${headers.release}`);
    }
    const { release, built } = headers ? await compileWithHeaders(o, sourceDir, headers, workDir, plan.build) : await compileInTree(o, sourceDir, baseConfig, baseText, workDir, plan.build, needs.table, symvers);
    await checkBuilt(built, { release, modversions, ...(symvers ? { symvers: symvers.table, symversFile: symversFile! } : {}) }, o.log, o.env);
    const epoch = o.epoch ?? (await treeEpoch(sourceDir));
    const packages: PackedModules[] = [];
    for (const [extension, modules] of groupByExtension(built)) {
      packages.push(await packModules({ extension, kernelRelease: release, modules, workDir, outDir: o.outDir, epoch, baseConfigName: basename(baseConfig), licenseFiles: kernelLicenseFiles(sourceDir), env: o.env }));
    }
    return { status: 'built', kernelRelease: release, packages };
  } finally {
    if (o.workDir === undefined) await rm(workDir, { recursive: true, force: true });
  }
}

type Built = { release: string; built: Map<ModuleToBuild, string> };

function compileWithHeaders(o: ModuleBuildOptions, sourceDir: string, headers: HeadersDir, workDir: string, build: readonly ModuleToBuild[]): Promise<Built> {
  return compileAgainstHeaders(sourceDir, headers, workDir, build, o.jobs, o.log, o.env).then((built) => ({ release: headers.release, built }));
}

/** Configure an object tree from the base config; the target's Module.symvers goes where modpost reads it. */
async function compileInTree(o: ModuleBuildOptions, sourceDir: string, baseConfig: string, baseText: string, workDir: string, build: readonly ModuleToBuild[], table: Parameters<typeof checkConfig>[0]['table'], symvers: Symvers | undefined): Promise<Built> {
  const objDir = join(workDir, 'obj');
  const merged = mergeFragments([{ name: 'tczbuild-modules', text: moduleFragmentText(build) }], { name: basename(baseConfig), text: baseText });
  o.log(`make olddefconfig (base ${basename(baseConfig)} + ${build.map((m) => `CONFIG_${m.symbol}=m`).join(' ')})`);
  const resolved = parseConfig(await olddefconfig({ sourceDir, objDir, configText: renderConfig(merged.entries.values()), env: o.env }));
  assertModulesKept(build, resolved.entries, table);
  // --release pins KERNELRELEASE (and so UTS_RELEASE, the vermagic) to the box's uname -r instead
  // of what this tree and config would call themselves
  const release = o.release ?? (await kernelRelease(sourceDir, objDir, o.env));
  if (o.release !== undefined) o.log(`kernel release pinned to ${o.release} (make KERNELRELEASE=${o.release})`);
  if (symvers !== undefined) await placeSymvers(symvers, objDir);
  return { release, built: await compileModules(sourceDir, objDir, build, o.jobs, o.log, o.env, o.release !== undefined ? [`KERNELRELEASE=${o.release}`] : []) };
}

/** First line of `gcc --version`, or undefined when it cannot be run. */
async function hostCompiler(env: Env): Promise<string | undefined> {
  try {
    return (await runTool('gcc', ['--version'], { env })).stdout.split('\n')[0];
  } catch {
    return undefined;
  }
}

/** Every .ko must carry the target's vermagic and import only what the target (or a sibling) exports. */
async function checkBuilt(built: ReadonlyMap<ModuleToBuild, string>, target: Parameters<typeof checkBuiltModule>[1], log: BuildLog, env: Env): Promise<void> {
  let symvers = target.symvers;
  if (symvers) {
    const all = new Map(symvers);
    for (const ko of built.values()) for (const [s, crc] of await builtExports(ko)) all.set(s, crc);
    symvers = all;
  } else log('no Module.symvers of the target kernel given: undefined symbols not checked (pass --symvers or --headers)');
  const findings: Diagnostic[] = [];
  for (const ko of built.values()) findings.push(...checkBuiltModule(await inspectModule(ko, target.modversions, env), { ...target, ...(symvers ? { symvers } : {}) }));
  if (findings.length > 0) throw new TczError(findings);
  log(`checked ${[...built.values()].length} module(s): vermagic ${target.release}${target.modversions ? ' modversions' : ''}${symvers ? ', every undefined symbol exported by the target' : ''}`);
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

/**
 * Linux's license texts: COPYING, which since 4.16 points at LICENSES/preferred/GPL-2.0 and
 * LICENSES/exceptions/Linux-syscall-note; those ship beside it when the tree has them.
 */
function kernelLicenseFiles(sourceDir: string): Array<{ from: string; name: string }> {
  const files = [
    { from: join(sourceDir, 'COPYING'), name: 'COPYING' },
    { from: join(sourceDir, 'LICENSES/preferred/GPL-2.0'), name: 'GPL-2.0' },
    { from: join(sourceDir, 'LICENSES/exceptions/Linux-syscall-note'), name: 'Linux-syscall-note' },
  ].filter((f) => existsSync(f.from));
  if (!files.some((f) => f.name === 'COPYING')) throw new Error(`${sourceDir} has no COPYING: is it a Linux source tree?`);
  return files;
}
