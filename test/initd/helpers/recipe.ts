/** Load a recipe fixture (YAML text or a file under test/initd/fixtures) into a normalized Recipe. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecipe } from '../../../src/recipe/parse.js';
import { normalizeRecipe } from '../../../src/recipe/normalize.js';
import type { Recipe, Target } from '../../../src/recipe/model.js';

export const target: Target = { tcVersion: '15', arch: 'x86_64' };

/** The keys every recipe needs, for tests that only care about what follows them. */
export function recipeHead(name: string, version = '1'): string {
  return `name: ${name}\nversion: "${version}"\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\n`;
}

export function recipeFromYaml(text: string, file = 'recipe.yaml'): Recipe {
  const parsed = parseRecipe(text, file);
  if (!parsed.ok) throw new Error(parsed.diagnostics.map((d) => `${d.id}: ${d.message}`).join('\n'));
  const { recipe, diagnostics } = normalizeRecipe(parsed.value, parsed.map, target);
  if (diagnostics.length > 0) throw new Error(diagnostics.map((d) => `${d.id}: ${d.message}`).join('\n'));
  return recipe;
}

export function fixtureRecipe(name: string): Recipe {
  const file = join(import.meta.dirname, '..', 'fixtures', `${name}.yaml`);
  return recipeFromYaml(readFileSync(file, 'utf8'), `${name}.yaml`);
}
