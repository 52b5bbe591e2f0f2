/**
 * The serial-console line protocol between the guest script (guest-script.ts) and the host.
 * The guest prints lines `@@tczbox VERB ID [ARGS…]` among the kernel's and TinyCore's own
 * console output; step ids are numbers the host assigned, so titles never cross the wire.
 *
 *   @@tczbox step ID              step ID begins
 *   @@tczbox out ID TEXT          one line of the step's output
 *   @@tczbox pass ID              step ID passed
 *   @@tczbox fail ID REASON…      step ID failed
 *   @@tczbox skip ID REASON…      step ID was not run
 *   @@tczbox finding ID PATH BEFORE AFTER   a base directory's owner:group:mode changed
 *   @@tczbox done                 every step ran; the guest powers off
 *
 * Each run frames its lines with a fresh nonce (`@@tczbox:NONCE VERB …`): a line a step's
 * program or a daemon writes to the console cannot pass for an event without knowing it (the
 * guest script reads it once and deletes itself; step output is replayed as `out` lines).
 *
 * parseConsoleLine reads one line; ConsoleTracker folds events into the run's state (which
 * step is running, what each step printed) so a bound or a crash can name the step. Pure.
 */

export const marker = '@@tczbox';

/** The frame of one run: `@@tczbox:NONCE`, or the bare marker when no nonce is given. */
export function framed(nonce = ''): string {
  return nonce ? `${marker}:${nonce}` : marker;
}

export type GuestEvent =
  | { readonly kind: 'step'; readonly id: number }
  | { readonly kind: 'out'; readonly id: number; readonly text: string }
  | { readonly kind: 'pass'; readonly id: number }
  | { readonly kind: 'fail'; readonly id: number; readonly reason: string }
  | { readonly kind: 'skip'; readonly id: number; readonly reason: string }
  | { readonly kind: 'finding'; readonly id: number; readonly path: string; readonly before: string; readonly after: string }
  | { readonly kind: 'done' };

/** One console line (any \r removed) → the event it carries, or undefined for other output (or another frame's). */
export function parseConsoleLine(raw: string, nonce = ''): GuestEvent | undefined {
  const line = raw.replace(/\r/g, '');
  const frame = framed(nonce);
  // kernel messages may share the serial line with ours, so the frame may start mid-line
  const at = line.indexOf(`${frame} `);
  if (at < 0) return undefined;
  const rest = line.slice(at + frame.length + 1);
  const verb = rest.split(' ', 1)[0] ?? '';
  if (verb === 'done') return rest.trim() === 'done' ? { kind: 'done' } : undefined;
  const m = /^(\w+) (\d+)(?: (.*))?$/.exec(rest);
  if (!m) return undefined;
  const id = Number(m[2]);
  const args = m[3] ?? '';
  switch (m[1]) {
    case 'step':
      return { kind: 'step', id };
    case 'pass':
      return { kind: 'pass', id };
    case 'out':
      return { kind: 'out', id, text: args };
    case 'fail':
      return { kind: 'fail', id, reason: args.trim() || 'failed' };
    case 'skip':
      return { kind: 'skip', id, reason: args.trim() || 'skipped' };
    case 'finding': {
      const f = args.split(' ');
      if (f.length !== 3 || !f[0]?.startsWith('/')) return undefined;
      return { kind: 'finding', id, path: f[0], before: f[1] ?? '', after: f[2] ?? '' };
    }
    default:
      return undefined;
  }
}

export type StepStatus = 'pending' | 'running' | 'pass' | 'fail' | 'skip';

export interface StepState {
  readonly id: number;
  status: StepStatus;
  reason?: string;
  startedMs?: number;
  endedMs?: number;
  readonly output: string[];
  readonly findings: Array<{ path: string; before: string; after: string }>;
}

/** The run as seen from the console: fed events with the host time they arrived. */
export class ConsoleTracker {
  readonly steps = new Map<number, StepState>();
  current: number | undefined;
  done = false;

  constructor(ids: readonly number[]) {
    for (const id of ids) this.steps.set(id, { id, status: 'pending', output: [], findings: [] });
  }

  /** Apply one event; returns the step it touched when that step just ended (for reporting). */
  apply(e: GuestEvent, nowMs: number): StepState | undefined {
    if (e.kind === 'done') {
      this.done = true;
      this.current = undefined;
      return undefined;
    }
    const s = this.steps.get(e.id);
    if (!s) return undefined;
    switch (e.kind) {
      case 'step':
        s.status = 'running';
        s.startedMs = nowMs;
        this.current = e.id;
        return undefined;
      case 'out':
        s.output.push(e.text);
        return undefined;
      case 'finding':
        s.findings.push({ path: e.path, before: e.before, after: e.after });
        return undefined;
      case 'pass':
      case 'fail':
      case 'skip':
        s.status = s.findings.length > 0 && e.kind === 'pass' ? 'fail' : e.kind;
        if (e.kind !== 'pass') s.reason = e.reason;
        else if (s.findings.length > 0) s.reason = 'changed base-system directories';
        s.startedMs ??= nowMs;
        s.endedMs = nowMs;
        if (this.current === e.id) this.current = undefined;
        return s;
    }
  }

  /** True when the guest finished and every step passed. */
  passed(): boolean {
    return this.done && [...this.steps.values()].every((s) => s.status === 'pass');
  }
}
