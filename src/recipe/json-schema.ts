/**
 * The JSON Schema editors use for recipes/*.yaml, generated from the same zod schema that
 * validates recipes at run time, so the two never drift. Pure.
 */
import { z } from 'zod';
import { writtenRecipe } from './schema.js';

export function recipeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(writtenRecipe, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://tczbuild.invalid/recipe.schema.json', title: 'tczbuild recipe' };
}

export function renderRecipeJsonSchema(): string {
  return `${JSON.stringify(recipeJsonSchema(), null, 2)}\n`;
}
