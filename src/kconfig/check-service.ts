/**
 * `kernel-config check` end to end: gather what the fragments (of the given recipes, or all of
 * them) request, read the config to check, optionally read the kernel tree's Kconfig symbols
 * (to tell unknown symbols from unmet dependencies, with that kernel's own depends lines), and
 * run the pure checker. Returns data; the CLI decides how to print it and the exit code.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Recipe } from '../recipe/model.js';
import type { Env } from '../util/exec.js';
import { checkConfig, type CheckResult } from './check.js';
import { parseConfig } from './config-text.js';
import { readKconfigIndex } from './kconfig-tree.js';
import { readKernelConfig } from './load.js';
import { makefileKernelVersion, treeVersionMismatch } from './module-target.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectKernelNeeds } from './merge-recipes.js';
import { loadedModules } from './recipe-needs.js';
import { findingToDiagnostic } from './report.js';
import type { SymbolInfo, SymbolTable } from './symbol-table.js';

export interface CheckOptions {
  readonly configPath: string;
  readonly kernelConfigDir: string;
  readonly recipes?: readonly Recipe[];
  readonly kernelTree?: string;
  /** Modules the init scripts load; overrides what the recipes' services say. */
  readonly modules?: readonly string[];
  /** Show fragment paths relative to this directory (the cwd). */
  readonly displayBase?: string;
  /** The run's environment: an xz-compressed config is read by xz found on its PATH. */
  readonly env: Env;
}

export interface CheckOutcome {
  readonly result: CheckResult;
  readonly fragments: readonly string[];
  readonly modulesKnown: boolean;
  /** Problems reading/merging inputs (fragments, the config file), then one per finding. */
  readonly diagnostics: readonly Diagnostic[];
}

export async function runConfigCheck(o: CheckOptions): Promise<CheckOutcome> {
  const needs = await collectKernelNeeds(o.recipes, o.kernelConfigDir, o.displayBase !== undefined ? { displayBase: o.displayBase } : {});
  const configText = await readKernelConfig(o.configPath, o.env);
  const config = parseConfig(configText, o.configPath);
  const index = o.kernelTree ? await readKconfigIndex(o.kernelTree) : undefined;
  const treeMakefile = o.kernelTree ? await readFile(join(o.kernelTree, 'Makefile'), 'utf8').catch(() => undefined) : undefined;
  const treeVersion = o.kernelTree && treeMakefile ? treeVersionMismatch(configText, o.configPath, makefileKernelVersion(treeMakefile), o.kernelTree) : undefined;
  const modules = o.modules ?? (o.recipes ? loadedModules(o.recipes) : undefined);
  const result = checkConfig({
    requirements: needs.requirements,
    config: config.entries,
    table: index ? withTreeDepends(needs.table, index) : needs.table,
    ...(index ? { knownSymbols: new Set(index.keys()) } : {}),
    ...(modules ? { loadedModules: modules } : {}),
  });
  return {
    result,
    fragments: needs.fragmentNames,
    modulesKnown: modules !== undefined,
    diagnostics: [...needs.diagnostics, ...config.diagnostics, ...(treeVersion ? [treeVersion] : []), ...result.findings.map(findingToDiagnostic)],
  };
}

/** Prefer the checked kernel's own `depends on` lines over the table's (read from another version). */
function withTreeDepends(table: SymbolTable, index: ReadonlyMap<string, readonly string[]>): SymbolTable {
  const out = new Map<string, SymbolInfo>();
  for (const [symbol, info] of table) {
    const deps = index.get(symbol);
    out.set(symbol, deps ? { ...info, dependsOn: deps } : info);
  }
  return out;
}
