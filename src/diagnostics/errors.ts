/**
 * Errors that carry diagnostics. TczError is a user-facing failure (bad input, a failed
 * download, a tool that broke); anything else that escapes to the CLI is a bug. Pure.
 */
import { codes, type DiagnosticId } from './codes.js';
import { redactUserinfo } from '../util/credentials.js';
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
export function fail(id: DiagnosticId, at: Position | undefined, message: string, hint?: string, cause?: unknown): never {
  throw new TczError([diag(id, at, message, hint)], cause === undefined ? undefined : { cause });
}

export function isTczError(error: unknown): error is TczError {
  return error instanceof TczError;
}

/**
 * The exit status a run that stopped on these diagnostics ends with: the highest the registry
 * declares for any of its errors (1 for a user-facing error), so the status is the registry's
 * word, not each command's.
 */
export function exitFor(diagnostics: readonly Diagnostic[]): number {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  return Math.max(1, ...errors.map((d) => codes[d.id].exit));
}

/** The messages of the errors an error wraps, outermost first, each on one line and with credentials masked. */
export function causeChain(error: Error): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>([error]);
  for (let c: unknown = error.cause; c !== undefined && c !== null && !seen.has(c); c = (c as { cause?: unknown }).cause) {
    seen.add(c);
    const text = c instanceof Error ? `${c.name}: ${c.message}${'code' in c && typeof c.code === 'string' && !c.message.includes(c.code) ? ` (${c.code})` : ''}` : String(c);
    out.push(redactUserinfo(text.replace(/\s*\n\s*/g, ' ')));
    if (!(c instanceof Error) && typeof c !== 'object') break;
  }
  return out;
}
