/**
 * A loaded recipe keeps its text, not its parsed YAML document (a document per recipe made a
 * build's memory grow with the recipe count): positions asked for after loading, in any order
 * across recipes, are the ones the document gives.
 */
import { describe, expect, it } from 'vitest';
import { loadRecipes } from '../../src/recipe/load.js';
import { parseRecipe } from '../../src/recipe/parse.js';
import { recipeText } from '../helpers/recipe-text.js';
import { testdir } from '../helpers/testdir.js';

const source = (name: string, pad: string): string =>
  recipeText(name, `${pad}sources:\n  - url: https://example.invalid/${name}.txt\n    sha256: ${'a'.repeat(64)}\n    install: { to: usr/local/share/${name}/README }\n`);

describe('positions of a loaded recipe', () => {
  it('are the parsed document’s, asked for in any order across recipes', async () => {
    // different padding: the same key path sits on different lines in the two files
    const texts = { a: source('a', ''), b: source('b', '# one\n# two\n# three\n') };
    const dir = await testdir({ 'recipes/a.yaml': texts.a, 'recipes/b.yaml': texts.b });
    const { recipes } = await loadRecipes({ recipesDir: `${dir}/recipes`, target: { tcVersion: '11', arch: 'x86_64' }, displayBase: dir });
    const paths = [['sources', 0, 'sha256'], ['sources', 0, 'install', 'to'], ['name'], ['no-such-key', 3], []] as const;
    const asked: unknown[] = [];
    const expected: unknown[] = [];
    for (const path of paths) {
      for (const r of recipes) {
        asked.push(r.positionOf(path));
        const parsed = parseRecipe(texts[r.name as 'a' | 'b'], `recipes/${r.name}.yaml`);
        if (!parsed.ok) throw new Error('fixture does not parse');
        expected.push(parsed.map.at(path));
      }
    }
    expect(asked).toEqual(expected);
    // the padding shows: b's sha256 is three lines below a's
    expect(recipes.map((r) => r.positionOf(['sources', 0, 'sha256']))).toEqual([
      { file: 'recipes/a.yaml', line: 9, col: 13 },
      { file: 'recipes/b.yaml', line: 12, col: 13 },
    ]);
  });
});
