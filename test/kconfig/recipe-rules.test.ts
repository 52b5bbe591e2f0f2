import { describe, expect, it } from 'vitest';
import { parseRecipe } from '../../src/recipe/parse.js';
import { normalizeRecipe } from '../../src/recipe/normalize.js';
import { kernelFragmentRule, kernelFragmentRuleForSync } from '../../src/kconfig/recipe-rules.js';
import { bundledKernelConfigDir } from '../../src/kconfig/load.js';

describe('kernelFragmentRule', () => {
  it('flags a fragment name that kernel-config/ does not have, at its position in the recipe', () => {
    const text = 'name: c\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: https://example.org\ncopying-policy: MIT\nkernel:\n  fragments:\n    - overlay\n    - overlayfs\n';
    const parsed = parseRecipe(text, 'recipes/c.yaml');
    if (!parsed.ok) throw new Error('recipe should parse');
    const { recipe } = normalizeRecipe(parsed.value, parsed.map, { tcVersion: '11', arch: 'x86_64' });
    const ds = kernelFragmentRule(['containers', 'overlay'], 'kernel-config')(recipe);
    expect(ds.map((d) => [d.id, d.file, d.line, d.message])).toEqual([
      ['kconfig-fragment-missing', 'recipes/c.yaml', 10, 'kernel fragment "overlayfs" does not exist in kernel-config (available: containers, overlay)'],
    ]);
  });

  it('reads the fragment names from a directory (the shipped one has overlay and containers)', () => {
    const text = 'name: c\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: https://example.org\ncopying-policy: MIT\nkernel:\n  fragments: [overlay, containers, cni]\n';
    const parsed = parseRecipe(text, 'recipes/c.yaml');
    if (!parsed.ok) throw new Error('recipe should parse');
    const { recipe } = normalizeRecipe(parsed.value, parsed.map, { tcVersion: '11', arch: 'x86_64' });
    expect(kernelFragmentRuleForSync(bundledKernelConfigDir)(recipe)).toEqual([]);
    expect(kernelFragmentRuleForSync('/nonexistent')(recipe).map((d) => d.id)).toEqual(['kconfig-fragment-missing', 'kconfig-fragment-missing', 'kconfig-fragment-missing']);
  });
});
