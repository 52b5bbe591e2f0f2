/**
 * The shape of one registered diagnostic id: its severity, a title, the hint a user acts on and
 * the exit status a command ends with when it stops on it. Pure types and constants.
 */

export type Severity = 'error' | 'warning';

/** Exit statuses, in one place: 0 ok, 1 an error diagnostic, 2 usage, 70 a bug in tczbuild (sysexits' EX_SOFTWARE). */
export const ExitCode = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

/**
 * What a command exits with when it stops on the id: 1 for a user-facing error, 70 for a bug,
 * 0 for a warning (a warning never fails a run by itself; `lint --strict` turns any finding into 1).
 */
export type DiagnosticExit = typeof ExitCode.ok | typeof ExitCode.failed | typeof ExitCode.internal;

export interface DiagnosticCode {
  readonly severity: Severity;
  readonly exit: DiagnosticExit;
  readonly title: string;
  readonly hint: string;
}
