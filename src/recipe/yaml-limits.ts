/**
 * Resource limits for every YAML file tczbuild reads (recipes, tczbuild.yaml, box definitions),
 * checked before anything recursive runs: the nesting depth (measured on yaml's iterative CST
 * parser, so 3000 levels cannot overflow the stack here) and the alias expansion count handed to
 * toJS(). No real file comes near either. parseYamlLimited() is the one entry point, so the
 * limits cannot differ between file kinds. Pure.
 */
import { LineCounter, Parser, parseDocument, visit, type CST, type Document, type Node } from 'yaml';

/** Deeper than any recipe section (services nest about six levels), shallow enough for every recursive walk. */
export const maxNestingDepth = 64;

/** YAML's guard against alias bombs ("billion laughs"): nodes one alias may expand to. */
export const maxAliasCount = 100;

export type LimitedYaml =
  | { readonly ok: true; readonly doc: Document; readonly lines: LineCounter; readonly data: unknown }
  /** A syntax error (kind 'syntax', one per error) or a limit (kind 'limit'); offset into the text. */
  | { readonly ok: false; readonly lines: LineCounter; readonly doc?: Document; readonly problems: ReadonlyArray<{ readonly kind: 'syntax' | 'limit'; readonly offset: number; readonly message: string }> };

export function parseYamlLimited(text: string): LimitedYaml {
  const lines = new LineCounter();
  // The document composer recurses once per level: refuse deep nesting before it runs.
  const deep = firstTooDeep(text);
  if (deep !== undefined) {
    lines.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
    return { ok: false, lines, problems: [{ kind: 'limit', offset: deep, message: `the YAML nests more than ${maxNestingDepth} levels deep here` }] };
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, lines, doc, problems: doc.errors.map((e) => ({ kind: 'syntax' as const, offset: e.pos[0], message: withFrame(e.message) })) };
  try {
    return { ok: true, doc, lines, data: doc.toJS({ maxAliasCount }) };
  } catch (error) {
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
    const alias = firstAlias(doc.contents) ?? 0;
    return { ok: false, lines, doc, problems: [{ kind: 'limit', offset: alias, message: `the aliases expand to too many nodes (more than ${maxAliasCount} per alias, a "billion laughs" bomb)` }] };
  }
}

/** Offset of the first collection nested deeper than maxNestingDepth, or undefined. */
export function firstTooDeep(text: string): number | undefined {
  // Every level of nesting has an indicator of its own: a block map item its ':' or '?', a block
  // sequence item its '-', a flow collection its '[' or '{'. A text with no more of these
  // characters than the limit (most recipes) cannot nest past it, and skips a second parse.
  if (!moreIndicatorsThan(text, maxNestingDepth)) return undefined;
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

function moreIndicatorsThan(text: string, limit: number): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // - : ? [ {
    if ((c === 45 || c === 58 || c === 63 || c === 91 || c === 123) && ++n > limit) return true;
  }
  return false;
}

/** Offset of the first alias in document order (where a bomb starts to expand). */
function firstAlias(root: unknown): number | undefined {
  let found: number | undefined;
  visit(root as Node, { Alias: (_key, node) => ((found = node.range?.[0]), visit.BREAK) });
  return found;
}

/**
 * yaml's prettyErrors message is "WHAT at line L, column C:\n\nSOURCE LINE\n   ^\n": keep the
 * words (the position is the diagnostic's own) and the code frame under them.
 */
export function withFrame(message: string): string {
  const [first = message, ...rest] = message.split('\n');
  const words = first.replace(/ at line \d+, column \d+:?$/, '');
  const frame = rest.filter((l) => l.trim() !== '').map((l) => `  | ${l}`);
  return frame.length > 0 ? `${words}\n${frame.join('\n')}` : words;
}
