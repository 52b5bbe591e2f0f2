import { describe, expect, it } from 'vitest';
import { parseRecipe } from '../../src/recipe/parse.js';

const head = 'name: x\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\n';
const problems = (text: string) => {
  const r = parseRecipe(text, 'x.yaml');
  if (r.ok) throw new Error('expected problems');
  return r.diagnostics.map((d) => [d.id, d.line, d.message]);
};

describe('recipe errors in the words of the recipe', () => {
  it('an unknown key names the key that was meant, at any depth', () => {
    expect(problems(`${head}soruces: []\n`)).toEqual([['unknown-key', 7, 'unknown key "soruces" in recipe; did you mean "sources"?']]);
    expect(problems(`${head}sources:\n  - { url: http://x/y, sha256: unpinned, extarct: {} }\n`)).toEqual([['unknown-key', 8, 'unknown key "extarct" in sources.0; did you mean "extract"?']]);
    expect(problems(`${head}services:\n  w: { kind: daemon, command: x, stop-sginal: TERM }\n`)).toEqual([['unknown-key', 8, 'unknown key "stop-sginal" in services.w; did you mean "stop-signal"?']]);
    // nothing close: no guess
    expect(problems(`${head}flavour: sweet\n`)).toEqual([['unknown-key', 7, 'unknown key "flavour" in recipe']]);
  });

  it('a service kind that does not exist is said in domain words, with the kinds there are', () => {
    expect(problems(`${head}services:\n  w: { kind: deamon, command: x }\n`)).toEqual([
      ['invalid-value', 8, 'services.w.kind: "deamon" is not a kind tczbuild knows; did you mean "daemon"? (one of cgroupfs, containerd, faasd, daemon)'],
    ]);
  });

  it('a YAML syntax error carries a code frame under its words', () => {
    expect(problems('name: x\nservices:\n  a: 1\n   b: 2\n')[0]).toEqual(['yaml-syntax', 3, 'Nested mappings are not allowed in compact mappings\n  |   a: 1\n  |      ^']);
  });
});
