/**
 * Parse one recipe file: YAML text → WrittenRecipe, or every problem found, each with its
 * line and column. Never throws for bad input and never touches the filesystem. Pure.
 */
import { LineCounter, parseDocument, visit, type Node } from 'yaml';
import type { z } from 'zod';
import { diag, type Diagnostic, type Position } from '../diagnostics/diagnostic.js';
import { writtenRecipe, type WrittenRecipe } from './schema.js';
import { firstTooDeep, maxAliasCount, maxNestingDepth } from './yaml-limits.js';
import { createSourceMap, type KeyPath, type SourceMap } from './source-map.js';

export type ParseResult =
  | { readonly ok: true; readonly value: WrittenRecipe; readonly map: SourceMap }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export function parseRecipe(text: string, file: string): ParseResult {
  const lines = new LineCounter();
  // The document composer recurses once per level: refuse deep nesting before it runs.
  const deep = firstTooDeep(text);
  if (deep !== undefined) {
    const { line, col } = lineCol(text, deep);
    return limit({ file, line, col }, `the YAML nests more than ${maxNestingDepth} levels deep here`);
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const map = createSourceMap(file, doc, lines);
  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return diag('yaml-syntax', { file, line, col }, firstLine(e.message));
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount });
  } catch (error) {
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
    const alias = firstAlias(doc.contents);
    return limit(map.atOffset(alias), `the aliases expand to too many nodes (more than ${maxAliasCount} per alias, a "billion laughs" bomb)`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, diagnostics: [diag('invalid-value', map.at([]), 'a recipe is a YAML mapping of keys such as name:, version:, sources:')] };
  }
  const parsed = writtenRecipe.safeParse(data);
  if (!parsed.success) {
    const written = (path: KeyPath): { source: string; value: unknown } | undefined => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? { source: text.slice(node.range[0], node.range[1]).trim(), value: doc.getIn(path) } : undefined;
    };
    return { ok: false, diagnostics: parsed.error.issues.flatMap((i) => issueToDiagnostics(i, map, doc.hasIn.bind(doc), written)) };
  }
  return { ok: true, value: parsed.data, map };
}

function limit(at: Position, message: string): ParseResult {
  return { ok: false, diagnostics: [diag('recipe-limit', at, message)] };
}

/** 1-based line and column of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: offset - lastBreak };
}

/** Offset of the first alias in document order (where a bomb starts to expand). */
function firstAlias(root: unknown): number | undefined {
  let found: number | undefined;
  visit(root as Node, { Alias: (_key, node) => ((found = node.range?.[0]), visit.BREAK) });
  return found;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

export function issueToDiagnostics(issue: z.core.$ZodIssue, map: SourceMap, has: (p: KeyPath) => boolean, written: (p: KeyPath) => { source: string; value: unknown } | undefined = () => undefined): Diagnostic[] {
  const path = issue.path as KeyPath;
  const where = path.length ? path.join('.') : 'recipe';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => diag('unknown-key', map.atKey(path, key), `unknown key "${key}" in ${where}`));
  }
  if (issue.code === 'invalid_type' && !has(path)) {
    const key = String(path[path.length - 1] ?? where);
    return [diag('missing-key', map.at(path.slice(0, -1)), `missing required key "${key}" in ${path.slice(0, -1).join('.') || 'recipe'}`)];
  }
  return [diag('invalid-value', map.at(path), `${where}: ${issue.message}`, quoteHint(issue, path, written(path)))];
}

/**
 * `version: 1.6` and `mode: 0755` are YAML numbers (1.6, 755): where a string is wanted, say
 * how the value was read and show it quoted as it was written.
 */
function quoteHint(issue: z.core.$ZodIssue, path: KeyPath, node: { source: string; value: unknown } | undefined): string | undefined {
  if (issue.code !== 'invalid_type' || issue.expected !== 'string' || typeof node?.value !== 'number') return undefined;
  const { source, value } = node;
  const key = String(path[path.length - 1]);
  const read = String(value) === source ? '' : ` (YAML reads ${source} as the number ${value})`;
  return `quote it: ${key}: "${source}"${read}`;
}
