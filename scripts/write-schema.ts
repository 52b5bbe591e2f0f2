/** Regenerate recipes/recipe.schema.json from the zod recipe schema (the test fails when it is stale). */
import { writeFileSync } from 'node:fs';
import { renderRecipeJsonSchema } from '../src/recipe/json-schema.js';

writeFileSync(new URL('../recipes/recipe.schema.json', import.meta.url), renderRecipeJsonSchema());
