/** Turn recipe YAML into a normalized Recipe for tests, failing loudly on any diagnostic error. */
import type { Recipe, Target } from '../../../src/recipe/model.js';
import { normalizeRecipe } from '../../../src/recipe/normalize.js';
import { parseRecipe } from '../../../src/recipe/parse.js';

export const x86_64: Target = { tcVersion: '11', arch: 'x86_64' };

export function recipeFrom(yaml: string, file = 'recipes/demo.yaml', target: Target = x86_64): Recipe {
  const parsed = parseRecipe(yaml, file);
  if (!parsed.ok) throw new Error(`fixture recipe does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  const { recipe, diagnostics } = normalizeRecipe(parsed.value, parsed.map, target);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`fixture recipe does not normalize: ${JSON.stringify(errors)}`);
  return recipe;
}

export function imagesRecipe(images: ReadonlyArray<{ ref: string; digest: string; platform?: string; to?: string }>): string {
  const lines = [
    'name: demo',
    'version: "1.0"',
    'description: images fixture',
    'author: test',
    'original-site: http://127.0.0.1/',
    'copying-policy: MIT',
    'images:',
  ];
  for (const i of images) {
    lines.push(`  - ref: ${i.ref}`, `    digest: ${i.digest}`);
    if (i.platform) lines.push(`    platform: ${i.platform}`);
    if (i.to) lines.push(`    to: ${i.to}`);
  }
  return `${lines.join('\n')}\n`;
}
