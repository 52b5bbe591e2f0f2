/**
 * Which extensions a `tczbuild test` run installs and which test steps it runs: the names given
 * (every recipe with `test:` steps when none are), each of which must be published in the
 * mirror for the box's target, with its recipe's `test:` steps when a recipe exists.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import type { Target } from '../recipe/model.js';
import { loadRecipes } from '../recipe/load.js';
import type { ExtensionTests } from './plan.js';

export interface SelectOptions {
  readonly names: readonly string[];
  readonly recipesDir: string;
  readonly mirrorRoot: string;
  readonly target: Target;
  readonly displayBase: string;
}

export async function selectExtensions(o: SelectOptions): Promise<ExtensionTests[]> {
  const { recipes } = await loadRecipes({ recipesDir: o.recipesDir, target: o.target, displayBase: o.displayBase });
  const byName = new Map(recipes.map((r) => [r.name, r]));
  const names = o.names.length > 0 ? o.names.map((n) => n.replace(/\.tcz$/, '')) : recipes.filter((r) => (r.written.test ?? []).length > 0).map((r) => r.name);
  const tczDir = join(o.mirrorRoot, `${o.target.tcVersion}.x`, o.target.arch, 'tcz');
  const problems: Diagnostic[] = [];
  for (const name of names) {
    const found = await stat(join(tczDir, `${name}.tcz`)).then((s) => s.isFile(), () => false);
    if (!found) problems.push(diag('box-extension-missing', { file: join(tczDir, `${name}.tcz`) }, `${name}.tcz is not in ${tczDir}`));
  }
  if (names.length === 0) problems.push(diag('box-extension-missing', { file: o.recipesDir }, 'no extension named and no recipe has test: steps'));
  if (problems.length > 0) throw new TczError(problems);
  return names.map((name) => {
    const written = byName.get(name)?.written;
    const images = (written?.images ?? []).filter((i) => i.digest !== 'unpinned').map((i) => `${i.ref}@${i.digest}`);
    return { name, steps: written?.test ?? [], images };
  });
}
