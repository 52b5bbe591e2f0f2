/**
 * What recipes ask of the kernel: the fragments named in each recipe's `kernel.fragments`
 * (first-appearance order, recipes in the order given) and the modules their init scripts load
 * (each `services.<name>.modules` list; src/recipe/schema-services.ts owns that field). Pure.
 */
import type { Position } from '../diagnostics/diagnostic.js';
import type { Recipe } from '../recipe/model.js';

export interface FragmentNeed {
  readonly name: string;
  /** Recipes asking for it, and where the first one wrote it (for a missing-fragment error). */
  readonly recipes: readonly string[];
  readonly at: Position;
}

export function fragmentNeeds(recipes: readonly Recipe[]): FragmentNeed[] {
  const needs = new Map<string, { name: string; recipes: string[]; at: Position }>();
  for (const recipe of recipes) {
    (recipe.written.kernel?.fragments ?? []).forEach((raw, i) => {
      const name = raw.replace(/\.cfg$/, '');
      const need = needs.get(name) ?? { name, recipes: [], at: recipe.positionOf(['kernel', 'fragments', i]) };
      if (!need.recipes.includes(recipe.name)) need.recipes.push(recipe.name);
      needs.set(name, need);
    });
  }
  return [...needs.values()];
}

/** Modules the recipes' init scripts load; undefined when no recipe declares services at all. */
export function loadedModules(recipes: readonly Recipe[]): string[] | undefined {
  let anyServices = false;
  const modules: string[] = [];
  for (const recipe of recipes) {
    const services = recipe.written.services as Readonly<Record<string, unknown>> | undefined;
    if (!services) continue;
    anyServices = true;
    for (const service of Object.values(services)) {
      const list = (service as { modules?: unknown } | null)?.modules;
      if (!Array.isArray(list)) continue;
      for (const m of list) if (typeof m === 'string' && !modules.includes(m)) modules.push(m);
    }
  }
  return anyServices ? modules : undefined;
}
