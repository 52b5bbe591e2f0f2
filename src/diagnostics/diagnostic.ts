/**
 * Diagnostic: the data every stage reports instead of throwing prose. A diagnostic names its
 * stable id, where it happened (file, line, column, 1-based) and what to do about it. Pure.
 */
import { redactUserinfo } from '../util/credentials.js';
import { lookupCode, type DiagnosticId, type Severity } from './codes.js';

export interface Position {
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

export interface Diagnostic extends Position {
  readonly id: DiagnosticId;
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
}

/** Build a diagnostic for a registered id (a compile-time fact: `id` is a DiagnosticId); the hint defaults to the registry's. Any `user:password@` in a URL is masked. */
export function diag(id: DiagnosticId, at: Position | undefined, message: string, hint?: string): Diagnostic {
  const code = lookupCode(id);
  const finalHint = hint ?? code.hint;
  return {
    id,
    severity: code.severity,
    message: redactUserinfo(message),
    ...(at?.file !== undefined ? { file: at.file } : {}),
    ...(at?.line !== undefined ? { line: at.line } : {}),
    ...(at?.col !== undefined ? { col: at.col } : {}),
    ...(finalHint !== undefined ? { hint: redactUserinfo(finalHint) } : {}),
  };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order: by file, then line, then column, then id. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0) ||
      a.id.localeCompare(b.id),
  );
}
