/**
 * Turn checker findings into what users read: Diagnostics (positioned at the fragment line
 * that asked for the symbol, so editors jump there) and a plain-text report that explains each
 * miss with who needs the symbol, why, and the values of what it depends on. Pure: it only
 * formats and never decides what counts as a problem.
 */
import type { DiagnosticId } from '../diagnostics/codes.js';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { CheckResult, DependencyValue, Finding, FindingCategory } from './check.js';
import { renderConfigLine } from './config-text.js';

const idFor: Readonly<Record<FindingCategory, DiagnosticId>> = {
  missing: 'kconfig-missing',
  'wrong-value': 'kconfig-wrong-value',
  'm-not-y': 'kconfig-m-not-y',
  'module-not-loaded': 'kconfig-module-not-loaded',
  unknown: 'kconfig-unknown-symbol',
};

export function describeValue(value: string): string {
  if (value === 'absent') return 'absent';
  if (value === 'n') return 'not set';
  return value;
}

export function findingSummary(f: Finding): string {
  const want = renderConfigLine(f.symbol, f.wanted);
  switch (f.category) {
    case 'unknown':
      return `CONFIG_${f.symbol} does not exist in this kernel (renamed or removed?); ${want} was requested`;
    case 'missing':
      if (f.actual !== 'absent') return `CONFIG_${f.symbol} is not set; wanted ${f.wanted}`;
      return f.definedInTree
        ? `CONFIG_${f.symbol} is absent: its dependencies are unmet; wanted ${f.wanted}`
        : `CONFIG_${f.symbol} is absent (its dependencies are unmet, or this kernel has no such symbol); wanted ${f.wanted}`;
    case 'wrong-value':
      return `CONFIG_${f.symbol}=${f.actual}; wanted ${describeValue(f.wanted)}`;
    case 'm-not-y':
      return `CONFIG_${f.symbol}=m; it must be built in (=y)`;
    case 'module-not-loaded':
      return `CONFIG_${f.symbol}=m but no init script loads module ${f.module ?? '?'}`;
  }
}

export function formatDependency(d: DependencyValue): string {
  const values = d.symbols.map((s) => `${s.symbol}=${describeValue(s.value)}`);
  if (d.symbols.length === 1 && d.symbols[0]!.symbol === d.expression) return values[0]!;
  return d.symbols.length === 0 ? d.expression : `${d.expression} (${values.join(', ')})`;
}

/** Explanation lines: needed by, why, depends on (with current values), needed for. */
export function explain(f: Finding): string[] {
  const lines: string[] = [];
  if (f.neededBy.length) lines.push(`needed by: ${f.neededBy.join('; ')}`);
  if (f.why) lines.push(`why: ${f.why}`);
  if (f.dependsOn.length) lines.push(`depends on: ${f.dependsOn.map(formatDependency).join('; ')}`);
  if (f.neededFor.length) lines.push(`needed for: ${f.neededFor.map((s) => `CONFIG_${s}`).join(', ')}`);
  return lines;
}

export function findingToDiagnostic(f: Finding): Diagnostic {
  const at = { ...(f.requirement.file !== undefined ? { file: f.requirement.file } : {}), ...(f.requirement.line !== undefined ? { line: f.requirement.line } : {}) };
  const base = diag(idFor[f.category], at, findingSummary(f), [...explain(f), ...hintFor(f)].join('\n  '));
  const severity = f.category === 'module-not-loaded' || f.importance === 'recommended' ? 'warning' : 'error';
  return { ...base, severity };
}

function hintFor(f: Finding): string[] {
  switch (f.category) {
    case 'unknown':
      return ['fix: find the new name in the kernel tree and update the fragment'];
    case 'module-not-loaded':
      return [`fix: add ${f.module ?? 'the module'} to the service's modules: list`];
    case 'm-not-y':
      return [`fix: ${renderConfigLine(f.symbol, 'y')}`, ...fixKind(f)];
    default:
      return [`fix: ${renderConfigLine(f.symbol, f.wanted)}`, ...fixKind(f)];
  }
}

/** What kind of fix a finding needs: a module built for the running kernel, or a new kernel. */
function fixKind(f: Finding): string[] {
  const canBeModule = f.module !== undefined && f.category !== 'm-not-y' && f.wanted !== 'n';
  if (canBeModule && f.moduleDir !== undefined) {
    return [`kind: a module for this kernel: tczbuild kernel-module build --source <this kernel's source> --base-config <this config> builds ${f.module}.ko (${f.moduleDir})`];
  }
  if (canBeModule) return [`kind: a module (${f.module}.ko) built from this kernel's source with CONFIG_${f.symbol}=m, or a new kernel`];
  return [`kind: a new kernel: CONFIG_${f.symbol}${f.category === 'm-not-y' ? ' must be built in' : ' cannot be added as a module'}`];
}

export interface ReportHeader {
  readonly config: string;
  readonly fragments: readonly string[];
  readonly kernelTree?: string;
  readonly modulesKnown: boolean;
}

/** The human report `kernel-config check` prints. */
export function renderReport(result: CheckResult, header: ReportHeader): string {
  const lines = [`checking ${header.config} against fragments: ${header.fragments.join(', ') || '(none)'}`];
  lines.push(header.kernelTree ? `symbol list: Kconfig files of ${header.kernelTree}` : 'symbol list: none (pass --kernel-tree to tell unknown symbols from unmet dependencies)');
  if (!header.modulesKnown) lines.push('module cross-check: skipped (no init-script module list)');
  for (const f of result.findings) {
    const severity = f.category === 'module-not-loaded' || f.importance === 'recommended' ? 'warning' : 'error';
    lines.push('', `${severity} [${f.category}] ${findingSummary(f)}`);
    for (const line of [...explain(f), ...hintFor(f)]) lines.push(`    ${line}`);
  }
  lines.push('', summaryLine(result));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(result: CheckResult): string {
  const count = (importance: string): number => result.findings.filter((f) => f.importance === importance).length;
  return `${result.ok.length} ok, ${count('required')} required and ${count('recommended')} recommended finding(s)`;
}
