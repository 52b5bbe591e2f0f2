/**
 * The gate between building and publishing: ask the plugins that check a mirror (src/plugins.ts
 * wires verify's per-extension checks in) about the assembled next mirror for the extensions
 * this build produced. Errors stop the publish (the caller's atomic swap never happens), each
 * pointed at the recipe line that causes it where one does; warnings are handed back for
 * printing. `--no-verify` skips it (the caller does not call this). verify itself is the judge:
 * this module only selects, relocates and decides.
 */
import { sortDiagnostics, type Diagnostic, type Position } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import { isUnder } from '../recipe/paths.js';
import type { Recipe } from '../recipe/model.js';
import { extensionOfFile } from '../tinycore/extension-files.js';
import type { PublishCheckInput, StagePlugin } from './plugin.js';

/** What each plugin's check is handed (its extension names are derived here), and the plugins. */
export interface GateInput extends Omit<PublishCheckInput, 'extensions'> {
  readonly plugins: readonly StagePlugin[];
}

/**
 * submitqc's presentation warnings (no copyright notice, an image with almost nothing in it) do
 * not change what a box does: `verify` reports them, the build gate does not repeat them on every
 * build.
 */
const qcOnly = new Set(['tcz-no-license', 'tcz-empty']);

/** Verify the extensions about to be published; throws a TczError listing the errors, returns the warnings. */
export async function gateBeforePublish(g: GateInput): Promise<Diagnostic[]> {
  const names = g.recipes.map((r) => `${r.name}.tcz`);
  const findings: Diagnostic[] = [];
  for (const p of g.plugins) if (p.checkBeforePublish) findings.push(...(await p.checkBeforePublish({ tczDir: g.tczDir, target: g.target, extensions: names, recipesDir: g.recipesDir, recipes: g.recipes, env: g.env })));
  const byName = new Map(g.recipes.map((r) => [`${r.name}.tcz`, r]));
  const located = findings.filter((d) => !qcOnly.has(d.id)).map((d) => {
    const ext = extensionOfFile(d.file?.split('/').pop() ?? '');
    const recipe = ext ? byName.get(ext) : undefined;
    return recipe ? { ...d, ...recipeLine(d, recipe), message: `${ext} would be published with: ${d.message}` } : d;
  });
  const errors = located.filter((d) => d.severity === 'error');
  if (errors.length) {
    const why = (d: Diagnostic): Diagnostic => (d.severity === 'error' ? { ...d, hint: `${d.hint ?? ''}${d.hint ? '; ' : ''}nothing was published (--no-verify publishes anyway)` } : d);
    throw new TczError(sortDiagnostics(located.map(why)));
  }
  return located;
}

/** The recipe line a finding comes from: the files:/directories:/symlinks: entry for its path, else the source that put it there, else the recipe. */
export function recipeLine(d: Diagnostic, r: Recipe): Position {
  const mentions = (p: string): boolean => {
    const clean = p.replace(/^\/+|\/+$/g, '');
    return clean !== '' && new RegExp(`(^|[\\s(,:])/?${clean.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/|[\\s),:]|$)`).test(d.message);
  };
  const entry = [...r.directories.map((x) => ({ p: x.path, at: x.at })), ...r.files.map((x) => ({ p: x.pattern, at: x.at })), ...r.symlinks.map((x) => ({ p: x.path, at: x.at }))].find((x) => mentions(x.p));
  if (entry) return entry.at;
  if (d.id === 'tcz-elf-interpreter') return r.positionOf(['sources']);
  const source = r.sources.find((s) => {
    const into = s.install?.to ?? s.extract?.into;
    return into !== undefined && [...d.message.matchAll(/([\w.-]+(?:\/[\w.+-]+)+)/g)].some((m) => isUnder(m[1]!, into.replace(/^\/+/, '')));
  });
  if (source) return source.at;
  return { file: r.file, line: 1 };
}
