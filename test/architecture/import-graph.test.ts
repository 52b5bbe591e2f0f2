/**
 * Layers that run one way (issue 20): every relative import in src/ (static or dynamic) is
 * checked against the layer map drawn in README.md ("Layers"); an import from a lower layer into
 * a higher one fails here with the file and the import.
 */
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsSources } from '../helpers/source-files.js';

const src = resolve(import.meta.dirname, '..', '..', 'src');

/** Which top-level parts of src/ each part may import (besides itself). Lowest first. */
const mayImport: Readonly<Record<string, readonly string[]>> = {
  // util and diagnostics are one lowest layer (diagnostics redact credentials with util's helper)
  diagnostics: ['util'],
  util: ['diagnostics'],
  report: ['diagnostics', 'util'],
  recipe: ['diagnostics', 'util', 'report'],
  tinycore: ['diagnostics', 'util', 'recipe'],
  config: ['diagnostics', 'util', 'recipe'],
  initd: ['diagnostics', 'util', 'report', 'recipe', 'tinycore'],
  builder: ['diagnostics', 'util', 'report', 'recipe', 'tinycore'],
  images: ['diagnostics', 'util', 'report', 'recipe', 'tinycore', 'builder', 'initd'],
  kconfig: ['diagnostics', 'util', 'report', 'recipe', 'tinycore', 'builder'],
  mirror: ['diagnostics', 'util', 'report', 'recipe', 'tinycore', 'builder'],
  scaffold: ['diagnostics', 'util', 'report', 'recipe', 'tinycore', 'builder'],
  box: ['diagnostics', 'util', 'report', 'recipe', 'tinycore', 'builder', 'initd', 'mirror', 'images'],
  plugins: ['diagnostics', 'util', 'report', 'recipe', 'tinycore', 'builder', 'initd', 'images', 'kconfig', 'mirror'],
  cli: ['*'],
  demo: ['*'],
};

const part = (rel: string): string => (rel.includes('/') ? rel.split('/')[0]! : rel.replace(/\.ts$/, ''));

async function upwardImports(): Promise<string[]> {
  const found: string[] = [];
  for (const file of await tsSources(src)) {
    const from = relative(src, file);
    const allowed = mayImport[part(from)];
    expect(allowed, `${from}: its part of src/ has no place in the layer map`).toBeDefined();
    if (allowed!.includes('*')) continue;
    const code = await readFile(file, 'utf8');
    for (const m of code.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = relative(src, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts');
      const target = part(to);
      if (target === part(from) || allowed!.includes(target)) continue;
      found.push(`${from} -> ${to}`);
    }
  }
  return found.sort();
}

describe('import graph', () => {
  it('has no import from a lower layer into a higher one', async () => {
    expect(await upwardImports()).toEqual([]);
  });
});
