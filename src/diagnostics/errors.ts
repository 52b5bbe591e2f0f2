/**
 * Errors that carry diagnostics. TczError is a user-facing failure (bad input, a failed
 * download, a tool that broke); anything else that escapes to the CLI is a bug. Pure.
 */
import { diag, type Diagnostic, type Position } from './diagnostic.js';

export class TczError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  /** Tells clipanion not to print a stack: the CLI renders the diagnostics itself. */
  readonly clipanion = { type: 'none' } as const;

  constructor(diagnostics: readonly Diagnostic[], options?: { cause?: unknown }) {
    super(diagnostics.map((d) => `${d.id}: ${d.message}`).join('\n'), options);
    this.name = 'TczError';
    this.diagnostics = diagnostics;
  }
}

/** Throw a single-diagnostic TczError. */
export function fail(id: string, at: Position | undefined, message: string, hint?: string, cause?: unknown): never {
  throw new TczError([diag(id, at, message, hint)], cause === undefined ? undefined : { cause });
}

export function isTczError(error: unknown): error is TczError {
  return error instanceof TczError;
}
