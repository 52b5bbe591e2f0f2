/**
 * Resource limits for recipe YAML, checked before anything recursive runs: the nesting depth
 * (measured on yaml's iterative CST parser, so 3000 levels cannot overflow the stack here) and
 * the alias expansion count handed to toJS(). A recipe never comes near either. Pure.
 */
import { Parser, type CST } from 'yaml';

/** Deeper than any recipe section (services nest about six levels), shallow enough for every recursive walk. */
export const maxNestingDepth = 64;

/** YAML's guard against alias bombs ("billion laughs"): nodes one alias may expand to. */
export const maxAliasCount = 100;

/** Offset of the first collection nested deeper than maxNestingDepth, or undefined. */
export function firstTooDeep(text: string): number | undefined {
  const stack: Array<{ token: CST.Token | undefined; depth: number }> = [];
  for (const doc of new Parser().parse(text)) stack.push({ token: doc, depth: 0 });
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (token === undefined) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth > maxNestingDepth) return token.offset;
      for (const item of token.items) {
        if ('key' in item) stack.push({ token: item.key ?? undefined, depth: depth + 1 });
        stack.push({ token: item.value, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
