/**
 * Read the symbol definitions out of Kconfig source text: every `config NAME` and
 * `menuconfig NAME`, with the `depends on` lines written inside its entry. This is enough to
 * tell "this kernel has no such symbol" from "its dependencies are unmet" and to explain a
 * miss; it is not a Kconfig evaluator (it ignores `if` blocks, `select` and defaults). Pure.
 */

export interface KconfigSymbol {
  readonly symbol: string;
  readonly dependsOn: readonly string[];
}

const entryStart = /^\s*(?:menu)?config\s+([A-Za-z0-9_]+)\s*$/;
const dependsLine = /^\s*depends\s+on\s+(.+?)\s*$/;
const blockKeyword = /^\s*(?:config|menuconfig|choice|endchoice|menu|endmenu|if|endif|source|comment|mainmenu)\b/;

export function parseKconfigSymbols(text: string): KconfigSymbol[] {
  const symbols: { symbol: string; dependsOn: string[] }[] = [];
  // Enclosing `if EXPR` and `menu` blocks add their condition to every entry inside (this file only).
  const blocks: { kind: 'if' | 'menu'; deps: string[] }[] = [];
  let current: { deps: string[] } | undefined;
  for (const line of joinContinuations(text)) {
    const start = entryStart.exec(line);
    if (start) {
      const entry = { symbol: start[1]!, dependsOn: blocks.flatMap((b) => b.deps) };
      symbols.push(entry);
      current = { deps: entry.dependsOn };
      continue;
    }
    const ifLine = /^\s*if\s+(.+?)\s*$/.exec(line);
    if (ifLine) blocks.push({ kind: 'if', deps: [stripComment(ifLine[1]!)] });
    else if (/^\s*menu\s/.test(line)) blocks.push({ kind: 'menu', deps: [] });
    else if (/^\s*endif\b/.test(line)) popBlock(blocks, 'if');
    else if (/^\s*endmenu\b/.test(line)) popBlock(blocks, 'menu');
    if (blockKeyword.test(line)) {
      // A menu's own `depends on` lines follow its `menu` line and apply to the whole menu.
      const top = blocks[blocks.length - 1];
      current = /^\s*menu\s/.test(line) && top ? top : undefined;
      continue;
    }
    const dep = dependsLine.exec(line);
    if (dep && current) current.deps.push(stripComment(dep[1]!));
  }
  return symbols;
}

function popBlock(blocks: { kind: string }[], kind: string): void {
  const i = blocks.map((b) => b.kind).lastIndexOf(kind);
  if (i >= 0) blocks.splice(i, 1);
}

/** Logical lines: continuations joined, help text dropped (it may start with words like "if"). */
function joinContinuations(text: string): string[] {
  const out: string[] = [];
  let helpIndent: number | undefined;
  let inHelp = false;
  for (const line of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    if (inHelp) {
      if (line.trim() === '') continue;
      const indent = indentWidth(line);
      helpIndent ??= indent;
      if (indent >= helpIndent) continue;
      inHelp = false;
    }
    if (/^\s*(?:---)?help(?:---)?\s*$/.test(line)) {
      inHelp = true;
      helpIndent = undefined;
      continue;
    }
    out.push(line);
  }
  return out;
}

function indentWidth(line: string): number {
  let width = 0;
  for (const ch of line) {
    if (ch === ' ') width += 1;
    else if (ch === '\t') width = width - (width % 8) + 8;
    else break;
  }
  return width;
}

function stripComment(expression: string): string {
  return expression.replace(/\s+#.*$/, '').replace(/\s+/g, ' ').trim();
}

/** Merge per-file results: a symbol defined in several Kconfig files collects every depends line. */
export function indexSymbols(lists: Iterable<readonly KconfigSymbol[]>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const list of lists) {
    for (const s of list) {
      const deps = index.get(s.symbol) ?? [];
      for (const d of s.dependsOn) if (!deps.includes(d)) deps.push(d);
      index.set(s.symbol, deps);
    }
  }
  return index;
}
