/**
 * explainBuild(): what `tczbuild all` would do and why, without doing it: for each recipe,
 * whether its build key matches the last publish and, if not, which inputs changed and whether
 * the output cache (local, or remote when given) holds that key.
 */
import { join, resolve } from 'node:path';
import { loadRecipes } from '../recipe/load.js';
import { compareWithPublished, readState, statePath } from './build-state.js';
import { OutputCache, type CacheOrigin } from './output-cache/output-cache.js';
import { exists } from './publish.js';
import { planBuild } from './plan.js';
import { recipesForTarget } from './target-recipes.js';
import { computeKeys, tczRelDir, type BuildOptions } from './run.js';

export interface Explanation {
  readonly name: string;
  readonly upToDate: boolean;
  readonly key: string;
  readonly reasons: readonly string[];
  /** For an extension that would rebuild: where the output cache would supply it from, or a miss. */
  readonly cache?: CacheOrigin | 'miss';
}

type ExplainOptions = Pick<BuildOptions, 'recipesDir' | 'overlaysDir' | 'outDir' | 'target' | 'only' | 'env' | 'plugins' | 'displayBase' | 'outputCache' | 'reporter'> & { readonly cacheDir?: string };

export async function explainBuild(o: ExplainOptions): Promise<Explanation[]> {
  const { recipes } = await loadRecipes({ recipesDir: o.recipesDir, target: o.target, displayBase: o.displayBase, rules: o.plugins.flatMap((p) => p.rules ?? []) });
  // The same recipes `all` builds for this target: none left out for lack of sources here.
  const plan = planBuild(recipesForTarget(recipes, o.target, o.only).buildable, o.only);
  const outDir = resolve(o.outDir);
  const state = await readState(statePath(outDir, o.target.tcVersion, o.target.arch));
  const keyed = await computeKeys(plan, { ...o, outDir } as BuildOptions);
  const cache = o.cacheDir && o.outputCache ? new OutputCache({ cacheDir: o.cacheDir, remote: o.outputCache.remote }, o.reporter) : undefined;
  const out: Explanation[] = [];
  for (const k of keyed) {
    const name = k.planned.recipe.name;
    const prev = state.extensions[name];
    const { upToDate, reasons } = compareWithPublished(prev, k.key, prev !== undefined && (await exists(join(outDir, tczRelDir(o.target), `${name}.tcz`))));
    const cached = cache && !upToDate ? ((await cache.probe(name, k.key.key)) ?? 'miss') : undefined;
    out.push({ name, upToDate, key: k.key.key, reasons, ...(cached ? { cache: cached } : {}) });
  }
  return out;
}
