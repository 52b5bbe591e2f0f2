/**
 * explainBuild(): what `tczbuild all` would do and why, without doing it: for each recipe,
 * whether its build key matches the last publish and, if not, which inputs changed.
 */
import { join, resolve } from 'node:path';
import { loadRecipes } from '../recipe/load.js';
import { compareWithPublished, readState, statePath } from './build-state.js';
import { exists } from './publish.js';
import { planBuild } from './plan.js';
import { computeKeys, tczRelDir, type BuildOptions } from './run.js';

export interface Explanation {
  readonly name: string;
  readonly upToDate: boolean;
  readonly key: string;
  readonly reasons: readonly string[];
}

export async function explainBuild(o: Pick<BuildOptions, 'recipesDir' | 'overlaysDir' | 'outDir' | 'target' | 'only' | 'env' | 'plugins' | 'displayBase'>): Promise<Explanation[]> {
  const { recipes } = await loadRecipes({ recipesDir: o.recipesDir, target: o.target, displayBase: o.displayBase, rules: o.plugins.flatMap((p) => p.rules ?? []) });
  const plan = planBuild(recipes, o.only);
  const outDir = resolve(o.outDir);
  const state = await readState(statePath(outDir, o.target.tcVersion, o.target.arch));
  const keyed = await computeKeys(plan, { ...o, outDir } as BuildOptions);
  const out: Explanation[] = [];
  for (const k of keyed) {
    const name = k.planned.recipe.name;
    const prev = state.extensions[name];
    const { upToDate, reasons } = compareWithPublished(prev, k.key, prev !== undefined && (await exists(join(outDir, tczRelDir(o.target), `${name}.tcz`))));
    out.push({ name, upToDate, key: k.key.key, reasons });
  }
  return out;
}
