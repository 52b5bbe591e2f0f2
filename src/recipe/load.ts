/**
 * Read recipes/*.yaml and turn them into normalized recipes for one target, running every rule
 * across all files before failing once with everything found. The only recipe module that
 * touches the filesystem.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { diag, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import type { Recipe, Target } from './model.js';
import { normalizeRecipe } from './normalize.js';
import { parseRecipe } from './parse.js';
import { lazyPositionOf } from './source-map.js';
import { builtinRules, type RecipeRule } from './rules.js';
import { knownUpstreamExtensions } from './upstream.js';
import { InputFileError, readInputFile } from '../util/read-input.js';

export interface LoadOptions {
  readonly recipesDir: string;
  readonly target: Target;
  /** Base for the file names shown in diagnostics (usually the cwd). */
  readonly displayBase?: string;
  /** Extra rules from modules that own recipe sections (services, images, kernel). */
  readonly rules?: readonly RecipeRule[];
  /**
   * The extensions an upstream mirror publishes for this target (bare names, from its md5.db
   * or info.lst), when its index is at hand (`--upstream`, `--upstream-index`): a `depends:`
   * entry naming one of them is an upstream dependency, not a typo.
   */
  readonly upstream?: { readonly names: ReadonlySet<string>; readonly from: string };
}

export interface LoadedRecipes {
  readonly recipes: readonly Recipe[];
  /** Warnings (errors throw). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Load every recipe; throws TczError listing all errors, returns warnings otherwise. */
export async function loadRecipes(o: LoadOptions): Promise<LoadedRecipes> {
  const files = await listRecipeFiles(o.recipesDir);
  if (files.length === 0) throw new TczError([diag('no-recipes', { file: o.recipesDir }, `no *.yaml recipes in ${o.recipesDir}`, 'pass --recipes DIR or create recipes/NAME.yaml')]);
  const diagnostics: Diagnostic[] = [];
  const recipes: Recipe[] = [];
  for (const file of files) {
    const shown = relative(o.displayBase ?? process.cwd(), file) || file;
    let text: string;
    try {
      text = await readInputFile(file);
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error;
      diagnostics.push(diag('recipe-unreadable', { file: shown }, `cannot read the recipe: ${error.message}`));
      continue;
    }
    const parsed = parseRecipe(text, shown);
    if (!parsed.ok) {
      diagnostics.push(...parsed.diagnostics);
      continue;
    }
    const { recipe, diagnostics: found } = normalizeRecipe(parsed.value, parsed.map, o.target);
    diagnostics.push(...found);
    for (const rule of [...builtinRules, ...(o.rules ?? [])]) diagnostics.push(...rule(recipe));
    // kept for the whole build: positions from the text on demand, not the parsed document
    // (and not normalize's closures, which hold it)
    recipes.push({ ...recipe, positionOf: lazyPositionOf(shown, text) });
  }
  diagnostics.push(...duplicateNames(recipes), ...unknownDependencies(recipes, o.upstream));
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) throw new TczError(sorted);
  return { recipes: recipes.sort((a, b) => a.name.localeCompare(b.name)), diagnostics: sorted };
}

export async function listRecipeFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new TczError([diag('no-recipes', { file: dir }, `recipes directory ${dir} does not exist`, 'pass --recipes DIR')], { cause: error });
    throw error;
  });
  return names.filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort().map((n) => join(dir, n));
}

/**
 * A `depends:` name that is no recipe here and no upstream extension is likely a typo. With the
 * upstream index at hand its names are the upstream extensions (plus the -KERNEL names, which
 * TinyCore resolves to the running kernel's); without it, the few our recipes are known to need.
 */
function unknownDependencies(recipes: readonly Recipe[], upstream: LoadOptions['upstream']): Diagnostic[] {
  const known = new Set([...recipes.map((r) => r.name), ...knownUpstreamExtensions, ...(upstream?.names ?? [])]);
  const where = upstream ? `in the upstream index (${upstream.from}, ${upstream.names.size} extensions)` : 'a known upstream extension (pass --upstream or --upstream-index to check against the upstream index)';
  return recipes.flatMap((r) =>
    r.depends.flatMap((d, i) => (known.has(d) ? [] : [diag('dependency-missing', r.dependsAt[i], `${r.name} depends on ${d}.tcz, which is neither a recipe here nor ${where}`)])),
  );
}

function duplicateNames(recipes: readonly Recipe[]): Diagnostic[] {
  const first = new Map<string, Recipe>();
  const out: Diagnostic[] = [];
  for (const r of recipes) {
    const prev = first.get(r.name);
    if (prev) out.push(diag('duplicate-name', r.positionOf(['name']), `${r.name} is also declared in ${prev.file}`));
    else first.set(r.name, r);
  }
  return out;
}
