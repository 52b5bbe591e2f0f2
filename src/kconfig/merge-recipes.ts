/**
 * The merged fragment for a set of recipes: read the fragments their `kernel.fragments` name
 * from kernel-config/, merge them with merge_config.sh semantics and render the text
 * `tczbuild all` writes to out/kernel/tczbuild.config. Also the shared "what do we require"
 * step `kernel-config check` and `kernel-module build` start from. Reads files; the logic is
 * in merge.ts and check.ts.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Recipe } from '../recipe/model.js';
import { requirementsFrom, type Requirement } from './check.js';
import { listFragments, loadSymbolTable, readFragments } from './load.js';
import { mergeFragments, renderMerged, type MergeOptions, type MergeResult } from './merge.js';
import { fragmentNeeds, type FragmentNeed } from './recipe-needs.js';
import type { SymbolTable } from './symbol-table.js';

export interface KernelNeeds {
  readonly fragmentNames: readonly string[];
  readonly merged: MergeResult;
  readonly requirements: readonly Requirement[];
  readonly table: SymbolTable;
  readonly diagnostics: readonly Diagnostic[];
}

/** TinyCore's own needs (squashfs, loop, zram): part of every check and merged fragment. */
export const baseFragment = 'tinycore';

/** What the given recipes need (plus TinyCore's own fragment), or (recipes undefined) what every fragment in the directory asks for. */
export async function collectKernelNeeds(
  recipes: readonly Recipe[] | undefined,
  kernelConfigDir: string,
  options: MergeOptions & { readonly displayBase?: string } = {},
): Promise<KernelNeeds> {
  const needs = recipes ? withBase(fragmentNeeds(recipes), await listFragments(kernelConfigDir)) : (await listFragments(kernelConfigDir)).map((name) => ({ name, recipes: [], at: {} }));
  const { fragments, diagnostics: readDiags } = await readFragments(
    kernelConfigDir,
    needs.map((n) => n.name),
    (name) => needs.find((n) => n.name === name)?.at ?? {},
    options.displayBase,
  );
  const merged = mergeFragments(fragments, undefined, options);
  const { table, diagnostics: tableDiags } = await loadSymbolTable(kernelConfigDir);
  const unannotated = [...merged.entries.values()]
    .filter((e) => table.size > 0 && !table.has(e.symbol))
    .map((e) => diag('kconfig-symbol-unannotated', { ...(e.file !== undefined ? { file: e.file } : {}), line: e.line }, `CONFIG_${e.symbol} (fragment ${e.from ?? '?'}) has no entry in symbols.yaml; treated as recommended`));
  return {
    fragmentNames: fragments.map((f) => f.name),
    merged,
    requirements: withRecipeRequires(requirementsFrom(merged.entries.values()), recipes ?? []),
    table,
    diagnostics: [...readDiags, ...merged.diagnostics, ...tableDiags, ...unannotated],
  };
}

/** The merged fragment text for `tczbuild all` (out/kernel/tczbuild.config) and its diagnostics. */
export async function mergeFragmentsForRecipes(recipes: readonly Recipe[], kernelConfigDir: string): Promise<{ text: string; diagnostics: Diagnostic[] }> {
  const needs = await collectKernelNeeds(recipes, kernelConfigDir);
  return { text: renderMerged(needs.merged, needs.fragmentNames), diagnostics: [...needs.diagnostics] };
}

function withBase(needs: FragmentNeed[], available: readonly string[]): FragmentNeed[] {
  if (!available.includes(baseFragment) || needs.some((n) => n.name === baseFragment)) return needs;
  return [{ name: baseFragment, recipes: [], at: {} }, ...needs];
}

/** Symbols a recipe's kernel.require names are required whatever symbols.yaml says (added =y when no fragment asks). */
function withRecipeRequires(requirements: Requirement[], recipes: readonly Recipe[]): Requirement[] {
  const required = new Map<string, string>();
  for (const r of recipes) for (const symbol of r.written.kernel?.require ?? []) if (!required.has(symbol)) required.set(symbol, r.name);
  const out = requirements.map((req) => (required.has(req.symbol) ? { ...req, required: true } : req));
  for (const [symbol, recipe] of required) if (!out.some((r) => r.symbol === symbol)) out.push({ symbol, value: 'y', fragment: `${recipe} kernel.require`, required: true });
  return out;
}
