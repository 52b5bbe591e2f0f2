/**
 * Read and write kernel `.config` text: `CONFIG_X=value` and `# CONFIG_X is not set` lines.
 * `=n` and "is not set" mean the same thing and both parse to the value `n`. Symbols are kept
 * without the `CONFIG_` prefix, values exactly as written (strings keep their quotes). Pure:
 * it never reads files and never decides whether a value is acceptable.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';

export interface ConfigEntry {
  readonly symbol: string;
  /** `y`, `m`, `n`, a number, a hex number, or a quoted string exactly as written. */
  readonly value: string;
  readonly file?: string;
  readonly line: number;
}

export interface ParsedConfig {
  /** Last assignment per symbol, in first-appearance order. */
  readonly entries: ReadonlyMap<string, ConfigEntry>;
  readonly diagnostics: readonly Diagnostic[];
}

const assignment = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const notSet = /^# CONFIG_([A-Za-z0-9_]+) is not set\s*$/;

/** Parse one line; undefined for blank lines and ordinary comments, 'bad' for anything else. */
export function parseConfigLine(text: string): { symbol: string; value: string } | undefined | 'bad' {
  const line = text.trim();
  const off = notSet.exec(line);
  if (off) return { symbol: off[1]!, value: 'n' };
  if (line === '' || line.startsWith('#')) return undefined;
  const on = assignment.exec(line);
  if (!on || !isValidValue(on[2]!)) return 'bad';
  return { symbol: on[1]!, value: on[2]! };
}

function isValidValue(v: string): boolean {
  return /^(y|m|n|-?[0-9]+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/.test(v);
}

export function parseConfig(text: string, file?: string): ParsedConfig {
  const entries = new Map<string, ConfigEntry>();
  const diagnostics: Diagnostic[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const parsed = parseConfigLine(raw);
    if (parsed === undefined) return;
    const at = { ...(file !== undefined ? { file } : {}), line: i + 1 };
    if (parsed === 'bad') {
      diagnostics.push(diag('kconfig-bad-line', at, `cannot read line: ${raw.trim()}`));
      return;
    }
    // A repeated symbol in one file: Kconfig itself takes the last one, so do we.
    entries.delete(parsed.symbol);
    entries.set(parsed.symbol, { symbol: parsed.symbol, value: parsed.value, line: i + 1, ...(file !== undefined ? { file } : {}) });
  });
  return { entries, diagnostics };
}

/** One `.config` line for a symbol; `n` is written the way Kconfig writes it. */
export function renderConfigLine(symbol: string, value: string): string {
  return value === 'n' ? `# CONFIG_${symbol} is not set` : `CONFIG_${symbol}=${value}`;
}

export function renderConfig(entries: Iterable<{ symbol: string; value: string }>, header: readonly string[] = []): string {
  const lines = header.map((h) => (h === '' ? '#' : `# ${h}`));
  for (const e of entries) lines.push(renderConfigLine(e.symbol, e.value));
  return `${lines.join('\n')}\n`;
}

/** Is the symbol enabled at all (built in or as a module)? */
export function isEnabled(value: string | undefined): boolean {
  return value !== undefined && value !== 'n';
}
