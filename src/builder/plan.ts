/**
 * Order recipes for building: every recipe after the recipes it depends on, cycles reported
 * with the whole cycle named, and a selection (`build NAME…`) widened to what it needs. Pure.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import type { Recipe } from '../recipe/model.js';

export interface PlannedRecipe {
  readonly recipe: Recipe;
  /** Names of dependencies that are themselves recipes here (the rest come from upstream). */
  readonly localDeps: readonly string[];
}

/** Topological order; with `only`, the named recipes plus their local dependencies. */
export function planBuild(recipes: readonly Recipe[], only?: readonly string[]): PlannedRecipe[] {
  const byName = new Map(recipes.map((r) => [r.name, r]));
  const unknown = (only ?? []).filter((n) => !byName.has(n));
  if (unknown.length) {
    throw new TczError(unknown.map((n) => diag('recipe-not-found', undefined, `no recipe named "${n}"`, `known recipes: ${[...byName.keys()].join(', ')}`)));
  }
  const order: PlannedRecipe[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new TczError([cycleDiagnostic(stack, name, byName)]);
    const r = byName.get(name)!;
    state.set(name, 'visiting');
    stack.push(name);
    const localDeps = r.depends.filter((d) => byName.has(d));
    for (const d of localDeps) visit(d);
    stack.pop();
    state.set(name, 'done');
    order.push({ recipe: r, localDeps });
  };
  for (const name of only ?? [...byName.keys()].sort()) visit(name);
  return order;
}

function cycleDiagnostic(stack: readonly string[], again: string, byName: Map<string, Recipe>): Diagnostic {
  const cycle = [...stack.slice(stack.indexOf(again)), again];
  const from = byName.get(stack[stack.length - 1]!)!;
  const i = from.depends.indexOf(again);
  return diag('dependency-cycle', from.dependsAt[i], `dependency cycle: ${cycle.join(' -> ')}`);
}

/** Every recipe that (transitively) depends on `name`. */
export function dependantsOf(plan: readonly PlannedRecipe[], name: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of plan) {
      if (!out.has(p.recipe.name) && p.localDeps.some((d) => d === name || out.has(d))) {
        out.add(p.recipe.name);
        grew = true;
      }
    }
  }
  return out;
}
