/**
 * Parse one recipe file: YAML text → WrittenRecipe, or every problem found, each with its
 * line and column. Never throws for bad input and never touches the filesystem. Pure.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { writtenRecipe, type WrittenRecipe } from './schema.js';
import { createSourceMap, type KeyPath, type SourceMap } from './source-map.js';

export type ParseResult =
  | { readonly ok: true; readonly value: WrittenRecipe; readonly map: SourceMap }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export function parseRecipe(text: string, file: string): ParseResult {
  const lines = new LineCounter();
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
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, diagnostics: [diag('invalid-value', map.at([]), 'a recipe is a YAML mapping of keys such as name:, version:, sources:')] };
  }
  const parsed = writtenRecipe.safeParse(data);
  if (!parsed.success) return { ok: false, diagnostics: parsed.error.issues.flatMap((i) => issueToDiagnostics(i, map, doc.hasIn.bind(doc))) };
  return { ok: true, value: parsed.data, map };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

export function issueToDiagnostics(issue: z.core.$ZodIssue, map: SourceMap, has: (p: KeyPath) => boolean): Diagnostic[] {
  const path = issue.path as KeyPath;
  const where = path.length ? path.join('.') : 'recipe';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => diag('unknown-key', map.atKey(path, key), `unknown key "${key}" in ${where}`));
  }
  if (issue.code === 'invalid_type' && !has(path)) {
    const key = String(path[path.length - 1] ?? where);
    return [diag('missing-key', map.at(path.slice(0, -1)), `missing required key "${key}" in ${path.slice(0, -1).join('.') || 'recipe'}`)];
  }
  return [diag('invalid-value', map.at(path), `${where}: ${issue.message}`)];
}
