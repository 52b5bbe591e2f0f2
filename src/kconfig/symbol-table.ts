/**
 * The symbol table (kernel-config/symbols.yaml): for each symbol the wanted value, whether it
 * is required or recommended, who needs it and why, its Kconfig `depends on` chain, and, when
 * it may be a module, the module's name, whether the init script must load it, and directory (what
 * `kernel-module build` compiles). Validates the parsed YAML; never reads files. Pure.
 */
import { z } from 'zod';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';

export const symbolEntrySchema = z.strictObject({
  symbol: z.string().regex(/^[A-Z0-9_]+$/, 'a symbol is written without CONFIG_, in capitals'),
  value: z.string().min(1).describe('wanted value: y, m, n, a number or a quoted string; m means "y or m"'),
  severity: z.enum(['required', 'recommended']),
  fragment: z.string().min(1).describe('the kernel-config/NAME.cfg that sets it'),
  'needed-by': z.array(z.string().min(1)).min(1).describe('recipes or features that need it'),
  why: z.string().min(1),
  'depends-on': z.array(z.string()).default([]).describe("the symbol's Kconfig `depends on`, as written in the kernel"),
  module: z.string().regex(/^[A-Za-z0-9_-]+$/).optional().describe('module name when =m is acceptable'),
  'init-loads': z.boolean().default(false).describe('the init script must load the module (the kernel does not load it on demand)'),
  'module-dir': z.string().optional().describe('directory in the kernel tree that builds the module (M=...)'),
});

export const symbolTableSchema = z.strictObject({
  symbols: z.array(symbolEntrySchema),
});

export interface SymbolInfo {
  readonly symbol: string;
  readonly value: string;
  readonly severity: 'required' | 'recommended';
  readonly fragment: string;
  readonly neededBy: readonly string[];
  readonly why: string;
  readonly dependsOn: readonly string[];
  readonly module?: string;
  /** When =m, the init script must load the module; the module cross-check only looks at these. */
  readonly initLoads: boolean;
  readonly moduleDir?: string;
}

export type SymbolTable = ReadonlyMap<string, SymbolInfo>;

export interface TableResult {
  readonly table: SymbolTable;
  readonly diagnostics: readonly Diagnostic[];
}

export function validateSymbolTable(data: unknown, file: string): TableResult {
  const parsed = symbolTableSchema.safeParse(data);
  if (!parsed.success) {
    return {
      table: new Map(),
      diagnostics: parsed.error.issues.map((i) => diag('kconfig-symbols-invalid', { file }, `${i.path.join('.') || 'symbols.yaml'}: ${i.message}`)),
    };
  }
  const table = new Map<string, SymbolInfo>();
  const diagnostics: Diagnostic[] = [];
  for (const e of parsed.data.symbols) {
    if (table.has(e.symbol)) diagnostics.push(diag('kconfig-symbols-invalid', { file }, `${e.symbol} is listed twice`));
    table.set(e.symbol, {
      symbol: e.symbol,
      value: e.value,
      severity: e.severity,
      fragment: e.fragment,
      neededBy: e['needed-by'],
      why: e.why,
      dependsOn: e['depends-on'],
      ...(e.module !== undefined ? { module: e.module } : {}),
      initLoads: e['init-loads'],
      ...(e['module-dir'] !== undefined ? { moduleDir: e['module-dir'] } : {}),
    });
  }
  return { table, diagnostics };
}
