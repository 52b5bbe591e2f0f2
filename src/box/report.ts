/**
 * What `tczbuild test` prints: one line per step with its status and duration, diagnostics for
 * failed steps (with the output's last lines), findings (a base directory's owner/mode before
 * and after) and a bound that ran out (naming the step the guest was in). Pure formatting.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { BoxStep } from './plan.js';
import type { ConsoleTracker, StepState } from './protocol.js';

export function stepLine(step: BoxStep, s: StepState): string {
  const ms = s.startedMs !== undefined && s.endedMs !== undefined ? s.endedMs - s.startedMs : 0;
  const status = s.status.toUpperCase().padEnd(4);
  return `${status} ${(ms / 1000).toFixed(1).padStart(6)}s  ${step.title}${s.reason && s.status !== 'pass' ? `: ${s.reason}` : ''}`;
}

export function stepDiagnostics(step: BoxStep, s: StepState, consoleLog: string): Diagnostic[] {
  const out: Diagnostic[] = s.findings.map((f) =>
    diag('box-finding', undefined, `${step.title}: ${f.path} was ${describe(f.before)} before the install and ${describe(f.after)} after it`),
  );
  if (s.status === 'fail' && s.findings.length === 0) {
    const tail = s.output.slice(-15).map((l) => `    | ${l}`).join('\n');
    out.push(diag('box-step-failed', undefined, `${step.title}: ${s.reason ?? 'failed'}${tail ? `\n${tail}` : ''}`, `full console log: ${consoleLog}`));
  }
  return out;
}

/** owner:group:mode → "root:staff 0775" */
function describe(v: string): string {
  const [owner, group, mode] = v.split(':');
  if (mode === undefined) return v;
  return `${owner}:${group} ${mode.padStart(4, '0')}`;
}

export function unfinishedDiagnostic(steps: readonly BoxStep[], t: ConsoleTracker, end: 'bound' | 'exited', boundMs: number, consoleLog: string, exitDetail?: string): Diagnostic {
  const running = t.current !== undefined ? steps.find((s) => s.id === t.current) : undefined;
  const where = running ? `in step "${running.title}"` : t.steps.get(1)?.status === 'pending' ? 'before the first step (still booting)' : 'between steps';
  if (end === 'bound') return diag('box-bound', undefined, `the guest was stopped after ${Math.round(boundMs / 1000)} s ${where}`, `full console log: ${consoleLog}; raise --bound if the box is only slow`);
  return diag('box-guest-exited', undefined, `${exitDetail ?? 'QEMU exited'} ${where}`, `full console log: ${consoleLog}`);
}
