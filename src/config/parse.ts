/**
 * Parse tczbuild.yaml text: the validated config and the line each key is on (for `tczbuild
 * config` to say where a value came from), or diagnostics with positions. Pure.
 */
import { LineCounter, parseDocument } from 'yaml';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { createSourceMap, type KeyPath } from '../recipe/source-map.js';
import { projectConfig, type ProjectConfig } from './schema.js';

export interface ParsedConfig {
  readonly config: ProjectConfig;
  /** Line of each top-level key. */
  readonly lines: Readonly<Record<string, number>>;
}

export function parseConfig(text: string, file: string): { ok: true; value: ParsedConfig } | { ok: false; diagnostics: Diagnostic[] } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const map = createSourceMap(file, doc, counter);
  if (doc.errors.length) return { ok: false, diagnostics: doc.errors.map((e) => diag('config-invalid', { file, ...counter.linePos(e.pos[0]) }, e.message.split('\n')[0]!)) };
  const data: unknown = doc.toJS() ?? {};
  const parsed = projectConfig.safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      diagnostics: parsed.error.issues.flatMap((i) => {
        const path = i.path as KeyPath;
        if (i.code === 'unrecognized_keys') return i.keys.map((k) => diag('config-invalid', map.atKey(path, k), `unknown key "${k}" in ${path.join('.') || file}`));
        return [diag('config-invalid', map.at(path), `${path.join('.') || 'config'}: ${i.message}`)];
      }),
    };
  }
  const lines: Record<string, number> = {};
  for (const key of Object.keys(parsed.data)) {
    const line = map.atKey([], key).line;
    if (line !== undefined) lines[key] = line;
  }
  return { ok: true, value: { config: parsed.data, lines } };
}
