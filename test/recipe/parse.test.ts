import { describe, expect, it } from 'vitest';
import { normalizeRecipe } from '../../src/recipe/normalize.js';
import { parseRecipe } from '../../src/recipe/parse.js';

const target = { tcVersion: '11', arch: 'x86_64' };
const head = `name: demo
version: "2.1"
description: A demo
author: Someone
original-site: https://example.invalid
copying-policy: MIT
`;

function problems(text: string) {
  const r = parseRecipe(text, 'recipes/demo.yaml');
  if (r.ok) {
    const n = normalizeRecipe(r.value, r.map, target);
    return n.diagnostics.map((d) => ({ id: d.id, line: d.line, col: d.col, message: d.message }));
  }
  return r.diagnostics.map((d) => ({ id: d.id, line: d.line, col: d.col, message: d.message }));
}

describe('parseRecipe', () => {
  it('accepts a minimal recipe and fills defaults', () => {
    const r = parseRecipe(head, 'recipes/demo.yaml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.tags).toEqual([]);
    expect(r.value['extension-by']).toBe('tczbuild');
  });

  it('reports YAML syntax errors at their line and column', () => {
    expect(problems(`${head}tags: [a, b\n`)).toEqual([expect.objectContaining({ id: 'yaml-syntax', line: 8 })]);
  });

  it('names an unknown key at the key itself', () => {
    expect(problems(`${head}sources:\n  - url: http://x/y.tgz\n    sha256: unpinned\n    sha512: abc\n`)).toEqual([
      { id: 'unknown-key', line: 10, col: 5, message: 'unknown key "sha512" in sources.0' },
    ]);
  });

  it('says which required key is missing and where its parent is', () => {
    const p = problems(`${head}sources:\n  - url: http://x/y.tgz\n`);
    expect(p).toEqual([expect.objectContaining({ id: 'missing-key', line: 8, col: 5, message: 'missing required key "sha256" in sources.0' })]);
  });

  it('reports a wrong type at the value', () => {
    expect(problems(`${head}depends: containerd\n`)).toEqual([expect.objectContaining({ id: 'invalid-value', line: 7, col: 10 })]);
  });

  it('rejects a sha256 that is neither 64 hex digits nor "unpinned"', () => {
    expect(problems(`${head}sources:\n  - url: http://x/y.tgz\n    sha256: deadbeef\n`)).toEqual([expect.objectContaining({ id: 'invalid-value', line: 9, col: 13 })]);
  });

  it('rejects duplicate keys as YAML errors', () => {
    expect(problems(`${head}version: "3"\n`)[0]?.id).toBe('yaml-syntax');
  });
});

describe('normalizeRecipe', () => {
  it('substitutes builtins and vars in URLs', () => {
    const r = parseRecipe(`${head}vars:\n  tag: v\${version}-\${goarch}\nsources:\n  - url: https://x/\${name}/\${tag}/\${arch}.tgz\n    sha256: unpinned\n`, 'recipes/demo.yaml');
    if (!r.ok) throw new Error('parse failed');
    const { recipe, diagnostics } = normalizeRecipe(r.value, r.map, target);
    expect(diagnostics).toEqual([]);
    expect(recipe.sources[0]).toMatchObject({ url: 'https://x/demo/v2.1-amd64/x86_64.tgz', kind: 'archive', sha256: null, id: 'x86_64.tgz' });
  });

  it('reports an undefined variable at the string that uses it', () => {
    expect(problems(`${head}sources:\n  - url: https://x/\${nope}.tgz\n    sha256: unpinned\n`)).toEqual([
      { id: 'undefined-variable', line: 8, col: 10, message: '${nope} is not defined (in sources.0.url)' },
    ]);
  });

  it('refuses image paths that leave the image', () => {
    const p = problems(`${head}sources:\n  - url: https://x/a\n    sha256: unpinned\n    install: { to: ../etc/passwd }\n`);
    expect(p).toEqual([expect.objectContaining({ id: 'bad-path', line: 10 })]);
  });

  it('keeps dependency names bare, with -KERNEL intact', () => {
    const r = parseRecipe(`${head}depends: [iptables.tcz, overlayfs-KERNEL]\n`, 'recipes/demo.yaml');
    if (!r.ok) throw new Error('parse failed');
    expect(normalizeRecipe(r.value, r.map, target).recipe.depends).toEqual(['iptables', 'overlayfs-KERNEL']);
  });

  it('needs extract: or install: for a source that is not an archive', () => {
    expect(problems(`${head}sources:\n  - url: https://x/binary\n    sha256: unpinned\n`)).toEqual([expect.objectContaining({ id: 'missing-key', line: 8 })]);
  });
});
