/**
 * Load recipes for the kernel commands (`--recipes DIR`). The kernel section does not depend on
 * the TinyCore version or arch, so any valid target will do; recipes load exactly as `build`
 * loads them, errors included.
 */
import { loadRecipes } from '../recipe/load.js';
import type { Recipe } from '../recipe/model.js';

export async function loadRecipesForKernel(recipesDir: string, displayBase: string): Promise<readonly Recipe[]> {
  const { recipes } = await loadRecipes({ recipesDir, target: { tcVersion: '11', arch: 'x86_64' }, displayBase });
  return recipes;
}
