/** Regenerate recipes/recipe.schema.json and boxes/box.schema.json from the zod schemas (tests fail when they are stale). */
import { writeFileSync } from 'node:fs';
import { renderBoxJsonSchema } from '../src/box/json-schema.js';
import { renderRecipeJsonSchema } from '../src/recipe/json-schema.js';

writeFileSync(new URL('../recipes/recipe.schema.json', import.meta.url), renderRecipeJsonSchema());
writeFileSync(new URL('../boxes/box.schema.json', import.meta.url), renderBoxJsonSchema());
