import { describe, expect, it } from 'vitest';
import { planBoxSteps } from '../../src/box/plan.js';
import { ConsoleTracker } from '../../src/box/protocol.js';
import { unfinishedDiagnostic } from '../../src/box/report.js';

// network 1, install hang 2, hang: quick 3, hang: sleeps forever 4
const steps = planBoxSteps([{ name: 'hang', steps: [{ name: 'quick', run: 'echo still answering' }, { name: 'sleeps forever', run: 'sleep 100000' }] }]);
const tracked = (events: Array<['step' | 'pass', number]>): ConsoleTracker => {
  const t = new ConsoleTracker(steps.map((s) => s.id));
  for (const [kind, id] of events) t.apply({ kind, id }, 0);
  return t;
};
const upToTheHang: Array<['step' | 'pass', number]> = [['step', 1], ['pass', 1], ['step', 2], ['pass', 2], ['step', 3], ['pass', 3], ['step', 4]];

// What box-guest.test.ts cannot show in seconds: a bound that runs out inside a step (it stops a
// boot at --bound 2, still booting, and terminates one inside the step with SIGTERM).
describe('a box run that did not finish', () => {
  it('names the step the guest was in when the bound ran out, and the bound', () => {
    const d = unfinishedDiagnostic(steps, tracked(upToTheHang), 'bound', 111_000, '/log/console.log');
    expect(d).toMatchObject({ id: 'box-bound', message: 'the guest was stopped after 111 s in step "hang: sleeps forever"' });
    expect(d.hint).toContain('/log/console.log');
  });

  it('says the guest was still booting, or between steps, when no step was running', () => {
    expect(unfinishedDiagnostic(steps, tracked([]), 'bound', 2000, 'c').message).toBe('the guest was stopped after 2 s before the first step (still booting)');
    expect(unfinishedDiagnostic(steps, tracked(upToTheHang.slice(0, 4)), 'bound', 2000, 'c').message).toBe('the guest was stopped after 2 s between steps');
  });

  it('names the step and how QEMU ended when the guest stopped on its own or was interrupted', () => {
    expect(unfinishedDiagnostic(steps, tracked(upToTheHang), 'exited', 600_000, 'c', 'QEMU exited (status 1)')).toMatchObject({ id: 'box-guest-exited', message: 'QEMU exited (status 1) in step "hang: sleeps forever"' });
    expect(unfinishedDiagnostic(steps, tracked(upToTheHang), 'exited', 600_000, 'c', 'interrupted by SIGTERM').message).toBe('interrupted by SIGTERM in step "hang: sleeps forever"');
  });
});
