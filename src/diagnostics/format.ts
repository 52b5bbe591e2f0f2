/**
 * Render diagnostics for humans: `file:line:col error[id]: message` and an indented hint,
 * the shape compilers use so editors and terminals can jump to the position. Pure.
 */
import type { Diagnostic } from './diagnostic.js';

export function formatPosition(d: Diagnostic): string {
  if (d.file === undefined) return '';
  let at = d.file;
  if (d.line !== undefined) at += `:${d.line}`;
  if (d.line !== undefined && d.col !== undefined) at += `:${d.col}`;
  return `${at}: `;
}

export function formatDiagnostic(d: Diagnostic): string {
  const head = `${formatPosition(d)}${d.severity}[${d.id}]: ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(formatDiagnostic).join('\n');
}
