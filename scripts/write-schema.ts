/** Regenerate the editor schemas (recipes/recipe.schema.json, boxes/box.schema.json, tczbuild.schema.json) from the zod schemas (tests fail when they are stale). */
import { writeFileSync } from 'node:fs';
import { renderBoxJsonSchema } from '../src/box/json-schema.js';
import { renderRecipeJsonSchema } from '../src/recipe/json-schema.js';
import { configJsonSchema } from '../src/config/schema.js';

writeFileSync(new URL('../recipes/recipe.schema.json', import.meta.url), renderRecipeJsonSchema());
writeFileSync(new URL('../boxes/box.schema.json', import.meta.url), renderBoxJsonSchema());
writeFileSync(new URL('../tczbuild.schema.json', import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
