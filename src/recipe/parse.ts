/**
 * Parse one recipe file: YAML text → WrittenRecipe, or every problem found, each with its
 * line and column. Never throws for bad input and never touches the filesystem. Pure.
 */
import type { z } from 'zod';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { writtenRecipe, type WrittenRecipe } from './schema.js';
import { parseYamlLimited } from './yaml-limits.js';
import { createSourceMap, type KeyPath, type SourceMap } from './source-map.js';
import { closest, keysAt } from './suggest.js';

export type ParseResult =
  | { readonly ok: true; readonly value: WrittenRecipe; readonly map: SourceMap }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export function parseRecipe(text: string, file: string): ParseResult {
  const yaml = parseYamlLimited(text);
  if (!yaml.ok) {
    return { ok: false, diagnostics: yaml.problems.map((p) => diag(p.kind === 'limit' ? 'recipe-limit' : 'yaml-syntax', { file, ...yaml.lines.linePos(p.offset) }, p.message)) };
  }
  const { doc, data } = yaml;
  const map = createSourceMap(file, doc, yaml.lines);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, diagnostics: [diag('invalid-value', map.at([]), 'a recipe is a YAML mapping of keys such as name:, version:, sources:')] };
  }
  const parsed = writtenRecipe.safeParse(data);
  if (!parsed.success) {
    const written = (path: KeyPath): { source: string; value: unknown } | undefined => {
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? { source: text.slice(node.range[0], node.range[1]).trim(), value: doc.getIn(path) } : undefined;
    };
    const known = (path: KeyPath): string[] | undefined => keysAt(writtenRecipe, path, data);
    return { ok: false, diagnostics: parsed.error.issues.flatMap((i) => issueToDiagnostics(i, map, doc.hasIn.bind(doc), written, known)) };
  }
  return { ok: true, value: parsed.data, map };
}

export function issueToDiagnostics(
  issue: z.core.$ZodIssue,
  map: SourceMap,
  has: (p: KeyPath) => boolean,
  written: (p: KeyPath) => { source: string; value: unknown } | undefined = () => undefined,
  known: (p: KeyPath) => readonly string[] | undefined = () => undefined,
): Diagnostic[] {
  const path = issue.path as KeyPath;
  const where = path.length ? path.join('.') : 'recipe';
  if (issue.code === 'unrecognized_keys') {
    const allowed = known(path) ?? [];
    return issue.keys.map((key) => {
      const meant = closest(key, allowed.filter((k) => !issue.keys.includes(k)));
      return diag('unknown-key', map.atKey(path, key), `unknown key "${key}" in ${where}${meant ? `; did you mean "${meant}"?` : ''}`);
    });
  }
  // Domain words for a kind: no "Invalid discriminator value".
  if (issue.code === 'invalid_union' && 'discriminator' in issue && Array.isArray((issue as { options?: unknown }).options)) {
    const options = (issue as unknown as { options: string[]; discriminator: string }).options.map(String);
    const got = written(path)?.value;
    const meant = typeof got === 'string' ? closest(got, options) : undefined;
    const shown = got === undefined ? 'missing' : JSON.stringify(got);
    return [diag('invalid-value', map.at(path), `${where}: ${shown} is not a ${String(path[path.length - 1] ?? 'kind')} tczbuild knows${meant ? `; did you mean "${meant}"?` : ''} (one of ${options.join(', ')})`)];
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
