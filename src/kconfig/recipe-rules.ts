/**
 * A recipe rule for `lint` and `build`: every fragment a recipe's `kernel.fragments` names
 * exists in kernel-config/. The rule itself is pure (it gets the fragment names);
 * kernelFragmentRuleFor() and kernelFragmentRuleForSync() read the directory once to make it.
 */
import { readdirSync } from 'node:fs';
import { diag } from '../diagnostics/diagnostic.js';
import type { RecipeRule } from '../recipe/rules.js';
import { listFragments } from './load.js';

export function kernelFragmentRule(available: readonly string[], kernelConfigDir: string): RecipeRule {
  return (recipe) =>
    (recipe.written.kernel?.fragments ?? []).flatMap((raw, i) => {
      const name = raw.replace(/\.cfg$/, '');
      if (available.includes(name)) return [];
      const known = available.length ? available.join(', ') : 'none';
      return [diag('kconfig-fragment-missing', recipe.positionOf(['kernel', 'fragments', i]), `kernel fragment "${name}" does not exist in ${kernelConfigDir} (available: ${known})`)];
    });
}

/** The rule for a kernel-config directory; a missing directory means no fragments are available. */
export async function kernelFragmentRuleFor(kernelConfigDir: string): Promise<RecipeRule> {
  const available = await listFragments(kernelConfigDir).catch(() => [] as string[]);
  return kernelFragmentRule(available, kernelConfigDir);
}

/** The same, read synchronously: for plugin factories that must return rules right away. */
export function kernelFragmentRuleForSync(kernelConfigDir: string): RecipeRule {
  let names: string[] = [];
  try {
    names = readdirSync(kernelConfigDir).filter((n) => n.endsWith('.cfg')).map((n) => n.slice(0, -4));
  } catch {
    // no kernel-config/ directory: every named fragment is reported missing
  }
  return kernelFragmentRule(names.sort(), kernelConfigDir);
}
