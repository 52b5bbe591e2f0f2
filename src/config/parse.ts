/**
 * Parse tczbuild.yaml text: the validated config and the line each key is on (for `tczbuild
 * config` to say where a value came from), or diagnostics with positions. Pure.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { createSourceMap, type KeyPath } from '../recipe/source-map.js';
import { parseYamlLimited } from '../recipe/yaml-limits.js';
import { projectConfig, type ProjectConfig } from './schema.js';

export interface ParsedConfig {
  readonly config: ProjectConfig;
  /** Line of each top-level key. */
  readonly lines: Readonly<Record<string, number>>;
}

export function parseConfig(text: string, file: string): { ok: true; value: ParsedConfig } | { ok: false; diagnostics: Diagnostic[] } {
  // the same depth and alias limits as recipes: a config is as hostile an input as they are
  const yaml = parseYamlLimited(text);
  if (!yaml.ok) return { ok: false, diagnostics: yaml.problems.map((p) => diag('config-invalid', { file, ...yaml.lines.linePos(p.offset) }, p.message)) };
  const map = createSourceMap(file, yaml.doc, yaml.lines);
  const data: unknown = yaml.data ?? {};
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
