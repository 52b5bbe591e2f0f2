/**
 * The editor schema (recipes/recipe.schema.json) refuses what lint refuses for a structural
 * reason. A real JSON Schema validator (Ajv, draft 2020-12) reads the committed file and runs
 * over every recipe of the bad-input corpus whose diagnostic is about one recipe's own shape;
 * rules that need other files or several fields' meaning (file names, overlays, dependencies,
 * where a link points) are lint's alone and listed here with their reason.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { badCases } from '../faults/bad-input-cases.js';
import { buildArtifacts, fillPlaceholders, type Artifacts } from '../faults/helpers/artifacts.js';
import { renderRecipeJsonSchema } from '../../src/recipe/json-schema.js';
import { normalizeRecipe } from '../../src/recipe/normalize.js';
import { parseRecipe } from '../../src/recipe/parse.js';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'bad-recipes');
const schemaText = readFileSync(join(root, 'recipes', 'recipe.schema.json'), 'utf8');

/** Diagnostic ids about one recipe's own structure: the schema must refuse these too. */
const structural = new Set(['invalid-value', 'missing-key', 'unknown-key', 'bad-path']);
/** Structural ids whose rule relates two fields in a way JSON Schema cannot state. */
const lintOnly: Record<string, string> = {
  'bad-path-symlink-climb': 'whether a relative link target climbs above / depends on where the link is',
};

let artifacts: Artifacts;
let validate: (data: unknown) => boolean;

beforeAll(async () => {
  artifacts = await buildArtifacts();
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  validate = ajv.compile(JSON.parse(schemaText) as object);
});

/** The ids lint's parse and normalize report for one recipe text (x86_64, TinyCore 11). */
function lintIds(text: string, file: string): string[] {
  const r = parseRecipe(text, file);
  const found = r.ok ? normalizeRecipe(r.value, r.map, { tcVersion: '11', arch: 'x86_64' }).diagnostics : r.diagnostics;
  return found.map((d) => d.id);
}

function recipeText(fixture: string, file: string): string {
  return fillPlaceholders(readFileSync(join(fixtures, fixture, file), 'utf8'), 'http://127.0.0.1:9', artifacts).replaceAll('@ARTIFACT@', 'a.tar.gz');
}

describe('recipes/recipe.schema.json', () => {
  it('is what `npm run schema` generates from src/recipe/', () => {
    expect(schemaText).toBe(renderRecipeJsonSchema());
  });

  const cases = badCases.filter((c) => structural.has(c.expect.id) && !(c.name in lintOnly));
  it('covers the structural cases of the corpus', () => {
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(['bad-hash-format', 'bad-mode', 'mode-unquoted', 'version-unquoted-number', 'arch-go-name', 'extract-and-install', 'missing-extract', 'bad-path-install', 'bad-path-absolute-into', 'unknown-key-top']));
  });

  it.each(cases.map((c) => [c.name, c] as const))('refuses %s, as lint does', (_name, c) => {
    const text = recipeText(c.fixture, c.expect.file!);
    expect(lintIds(text, c.expect.file!)).toContain(c.expect.id);
    expect(validate(parse(text))).toBe(false);
  });

  it('accepts the good recipes: the corpus baseline, valid-other and the flagship recipes', () => {
    const good = [
      recipeText('_baseline', 'recipes/hello.yaml'),
      recipeText('valid-other', 'recipes/other.yaml'),
      ...readdirSync(join(root, 'recipes'))
        .filter((n) => n.endsWith('.yaml'))
        .map((n) => readFileSync(join(root, 'recipes', n), 'utf8')),
    ];
    for (const text of good) expect(validate(parse(text)), text.slice(0, 80)).toBe(true);
  });
});

describe('numbers where a string is wanted', () => {
  const head = 'name: demo\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\n';
  const hints = (text: string) => {
    const r = parseRecipe(text, 'recipes/demo.yaml');
    return r.ok ? [] : r.diagnostics.map((d) => d.hint);
  };
  it('hints to quote version: 1.6 and mode: 0755 as written', () => {
    expect(hints(`${head}version: 1.6\n`)).toEqual(['quote it: version: "1.6"']);
    expect(hints(`version: "1"\n${head}directories: [{ path: usr/local/x, mode: 0755 }]\n`)).toEqual(['quote it: mode: "0755" (YAML reads 0755 as the number 755)']);
  });
});
