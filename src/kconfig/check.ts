/**
 * The checker: compare a kernel's `.config` with what the fragments request and sort every
 * difference into a category a user can act on: missing, wrong value, `m` where `y` is needed,
 * a module no init script loads, and a symbol this kernel does not know at all (renamed or
 * removed, detectable only when the tree's Kconfig symbol list is given). Each finding carries
 * who needs the symbol, why, the current values of what it depends on, and which requested
 * symbols depend on it. Pure: no I/O, no rendering.
 */
import type { ConfigEntry } from './config-text.js';
import { isEnabled } from './config-text.js';
import type { SymbolInfo, SymbolTable } from './symbol-table.js';

export type FindingCategory = 'missing' | 'wrong-value' | 'm-not-y' | 'module-not-loaded' | 'unknown';
export type Importance = 'required' | 'recommended';

export interface Requirement {
  readonly symbol: string;
  readonly value: string;
  /** Fragment name, file and line that asked for it (for positions in diagnostics). */
  readonly fragment?: string;
  readonly file?: string;
  readonly line?: number;
  /** A recipe needs it (kernel.require): required whatever symbols.yaml says. */
  readonly required?: boolean;
}

export interface DependencyValue {
  readonly expression: string;
  /** Each symbol named in the expression with its value in the checked config (`absent` if not there). */
  readonly symbols: readonly { readonly symbol: string; readonly value: string }[];
}

export interface Finding {
  readonly category: FindingCategory;
  readonly importance: Importance;
  readonly symbol: string;
  readonly wanted: string;
  /** Value in the checked config; `absent` when the symbol has no line at all. */
  readonly actual: string;
  readonly neededBy: readonly string[];
  readonly why?: string;
  readonly module?: string;
  /** Tree directory `kernel-module build` compiles for this module, when known. */
  readonly moduleDir?: string;
  readonly dependsOn: readonly DependencyValue[];
  /** True when the tree's symbol list was given and defines it (an absent symbol then has unmet dependencies). */
  readonly definedInTree: boolean;
  /** Requested symbols whose `depends on` names this one. */
  readonly neededFor: readonly string[];
  readonly requirement: Requirement;
}

export interface CheckInput {
  readonly requirements: readonly Requirement[];
  readonly config: ReadonlyMap<string, ConfigEntry>;
  readonly table: SymbolTable;
  /** Every symbol the kernel tree's Kconfig files define; undefined when no tree is at hand. */
  readonly knownSymbols?: ReadonlySet<string>;
  /** Modules the recipes' init scripts load; undefined when unknown (no cross-check then). */
  readonly loadedModules?: readonly string[];
}

export interface CheckResult {
  readonly findings: readonly Finding[];
  readonly ok: readonly string[];
}

export function checkConfig(input: CheckInput): CheckResult {
  const findings: Finding[] = [];
  const ok: string[] = [];
  const reverse = reverseDependencies(input.requirements, input.table);
  for (const req of input.requirements) {
    const category = categorize(req, input);
    if (category === undefined) {
      ok.push(req.symbol);
      continue;
    }
    findings.push(buildFinding(req, category, input, reverse.get(req.symbol) ?? []));
  }
  return { findings: sortFindings(findings), ok };
}

function categorize(req: Requirement, input: CheckInput): FindingCategory | undefined {
  if (input.knownSymbols && !input.knownSymbols.has(req.symbol)) return 'unknown';
  const actual = input.config.get(req.symbol)?.value;
  const info = input.table.get(req.symbol);
  if (req.value === 'n') return isEnabled(actual) ? 'wrong-value' : undefined;
  if (!isEnabled(actual)) return 'missing';
  if (req.value !== 'y' && req.value !== 'm') return actual === req.value ? undefined : 'wrong-value';
  if (actual === 'y') return undefined;
  if (actual !== 'm') return 'wrong-value';
  if (info?.module === undefined) return req.value === 'y' ? 'm-not-y' : undefined;
  if (info.initLoads && input.loadedModules && !input.loadedModules.some((m) => sameModule(m, info.module!))) return 'module-not-loaded';
  return undefined;
}

function buildFinding(req: Requirement, category: FindingCategory, input: CheckInput, neededFor: readonly string[]): Finding {
  const info: SymbolInfo | undefined = input.table.get(req.symbol);
  return {
    category,
    importance: req.required ? 'required' : (info?.severity ?? 'recommended'),
    symbol: req.symbol,
    wanted: req.value,
    actual: input.config.get(req.symbol)?.value ?? 'absent',
    neededBy: info?.neededBy ?? (req.fragment ? [`fragment ${req.fragment}`] : []),
    ...(info?.why !== undefined ? { why: info.why } : {}),
    ...(info?.module !== undefined ? { module: info.module } : {}),
    ...(info?.moduleDir !== undefined ? { moduleDir: info.moduleDir } : {}),
    dependsOn: (info?.dependsOn ?? []).map((expression) => ({
      expression,
      symbols: symbolsIn(expression).map((symbol) => ({ symbol, value: input.config.get(symbol)?.value ?? 'absent' })),
    })),
    definedInTree: input.knownSymbols?.has(req.symbol) ?? false,
    neededFor,
    requirement: req,
  };
}

/** modprobe treats `-` and `_` in module names alike. */
export function sameModule(a: string, b: string): boolean {
  return a.replace(/-/g, '_') === b.replace(/-/g, '_');
}

/** Symbol names in a Kconfig expression such as `NET && (INET || IPV6) && !UML`. */
export function symbolsIn(expression: string): string[] {
  const names = expression.match(/\b[A-Z][A-Z0-9_]*\b/g) ?? [];
  return [...new Set(names)];
}

function reverseDependencies(requirements: readonly Requirement[], table: SymbolTable): Map<string, string[]> {
  const reverse = new Map<string, string[]>();
  for (const req of requirements) {
    for (const expression of table.get(req.symbol)?.dependsOn ?? []) {
      for (const dep of symbolsIn(expression)) {
        const list = reverse.get(dep) ?? [];
        if (!list.includes(req.symbol)) list.push(req.symbol);
        reverse.set(dep, list);
      }
    }
  }
  return reverse;
}

const categoryOrder: readonly FindingCategory[] = ['unknown', 'missing', 'wrong-value', 'm-not-y', 'module-not-loaded'];

/** Required before recommended, then by category; request order within a group. */
function sortFindings(findings: Finding[]): Finding[] {
  const rank = (f: Finding): number => (f.importance === 'required' ? 0 : 10) + categoryOrder.indexOf(f.category);
  return findings.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
}

/** Requirements from merged fragment entries (what `kernel-config check` compares against). */
export function requirementsFrom(entries: Iterable<{ symbol: string; value: string; from?: string; file?: string; line: number }>): Requirement[] {
  return [...entries].map((e) => ({
    symbol: e.symbol,
    value: e.value,
    line: e.line,
    ...(e.from !== undefined ? { fragment: e.from } : {}),
    ...(e.file !== undefined ? { file: e.file } : {}),
  }));
}
