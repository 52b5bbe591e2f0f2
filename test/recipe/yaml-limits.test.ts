/**
 * The nesting limit holds for every way YAML nests (block maps, compact block sequences,
 * explicit keys, flow collections): a top collection with 64 levels below it parses, one level
 * more is refused.
 */
import { describe, expect, it } from 'vitest';
import { maxNestingDepth, parseYamlLimited } from '../../src/recipe/yaml-limits.js';

/** Text with `d` collections, each inside the one before. */
const nestings: Record<string, (d: number) => string> = {
  'block maps': (d) => Array.from({ length: d }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' x\n',
  'compact block sequences': (d) => `${'- '.repeat(d)}x\n`,
  'explicit keys': (d) => `${'? '.repeat(d)}x\n`,
  'flow sequences': (d) => `${'['.repeat(d)}x${']'.repeat(d)}\n`,
  'flow maps': (d) => `${'{a: '.repeat(d - 1)}{a: x${'}'.repeat(d)}\n`,
};

describe('the YAML nesting limit', () => {
  it.each(Object.entries(nestings))('%s: 64 levels below the top parse, 65 are refused', (_how, text) => {
    const ok = parseYamlLimited(text(maxNestingDepth + 1));
    expect(ok.ok, ok.ok ? '' : ok.problems.map((p) => p.message).join('; ')).toBe(true);
    const deep = parseYamlLimited(text(maxNestingDepth + 2));
    expect(deep.ok).toBe(false);
    if (!deep.ok) expect(deep.problems.map((p) => [p.kind, p.message])).toEqual([['limit', `the YAML nests more than ${maxNestingDepth} levels deep here`]]);
  });
});
