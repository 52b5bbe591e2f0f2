/**
 * Which recipes a target can build at all. A recipe whose sources are all limited (`arch:`) to
 * other arches would publish an empty .tcz; it is left out and reported instead, together with
 * the recipes that depend on it. Naming such a recipe explicitly (`build NAME`) is an error.
 * Pure.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import type { Recipe, Target } from '../recipe/model.js';

export interface TargetRecipes {
  readonly buildable: readonly Recipe[];
  /** One warning per recipe left out, saying why. */
  readonly skipped: readonly Diagnostic[];
}

/** True when the recipe declares sources but none of them is for this target's arch. */
export function lacksSourcesFor(r: Recipe): boolean {
  return r.written.sources.length > 0 && r.sources.length === 0;
}

export function recipesForTarget(recipes: readonly Recipe[], target: Target, only?: readonly string[]): TargetRecipes {
  const out = new Map<string, Diagnostic>();
  const where = `${target.tcVersion}.x/${target.arch}`;
  for (const r of recipes) {
    if (!lacksSourcesFor(r)) continue;
    const arches = [...new Set(r.written.sources.flatMap((s) => s.arch ?? []))].join(', ');
    out.set(r.name, diag('no-sources-for-target', r.positionOf(['sources']), `${r.name} has no sources for ${where} (its sources are for ${arches}), so it is not built for this target`));
  }
  // Whatever depends on a left-out recipe cannot be installed on this target either.
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of recipes) {
      const missing = r.depends.find((d) => out.has(d));
      if (out.has(r.name) || missing === undefined) continue;
      out.set(r.name, diag('no-sources-for-target', r.dependsAt[r.depends.indexOf(missing)], `${r.name} depends on ${missing}, which is not built for ${where}, so ${r.name} is not built for it either`));
      grew = true;
    }
  }
  const named = (only ?? []).filter((n) => out.has(n));
  if (named.length) throw new TczError(named.map((n) => ({ ...out.get(n)!, severity: 'error' as const, hint: `build it for a target it has sources for (--arch), or add a source for ${target.arch}` })));
  return { buildable: recipes.filter((r) => !out.has(r.name)), skipped: [...out.values()] };
}
