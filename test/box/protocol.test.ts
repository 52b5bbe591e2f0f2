import { describe, expect, it } from 'vitest';
import { ConsoleTracker, parseConsoleLine } from '../../src/box/protocol.js';

describe('console protocol', () => {
  it('reads protocol lines among console noise, with carriage returns', () => {
    expect(parseConsoleLine('@@tczbox step 3\r')).toEqual({ kind: 'step', id: 3 });
    expect(parseConsoleLine('[   12.3] random: @@tczbox pass 4')).toEqual({ kind: 'pass', id: 4 });
    expect(parseConsoleLine('@@tczbox out 5 a  b @@ c')).toEqual({ kind: 'out', id: 5, text: 'a  b @@ c' });
    expect(parseConsoleLine('@@tczbox out 5')).toEqual({ kind: 'out', id: 5, text: '' });
    expect(parseConsoleLine('@@tczbox fail 6 exit status 127')).toEqual({ kind: 'fail', id: 6, reason: 'exit status 127' });
    expect(parseConsoleLine('@@tczbox finding 2 /opt root:staff:775 root:root:755')).toEqual({ kind: 'finding', id: 2, path: '/opt', before: 'root:staff:775', after: 'root:root:755' });
    expect(parseConsoleLine('@@tczbox done')).toEqual({ kind: 'done' });
  });

  it('ignores other output and malformed protocol lines', () => {
    for (const line of ['Booting Core 15.0', '@@tczbox', '@@tczbox step', '@@tczbox step x', '@@tczbox bogus 1', '@@tczbox finding 2 opt a b', '@@tczbox done now', '@@tczboxstep 1']) {
      expect(parseConsoleLine(line), line).toBeUndefined();
    }
  });

  it('tracks the running step, durations, output and findings', () => {
    const t = new ConsoleTracker([1, 2, 3]);
    t.apply({ kind: 'step', id: 1 }, 1000);
    expect(t.current).toBe(1);
    expect(t.apply({ kind: 'pass', id: 1 }, 2500)).toMatchObject({ id: 1, status: 'pass', startedMs: 1000, endedMs: 2500 });
    t.apply({ kind: 'step', id: 2 }, 3000);
    t.apply({ kind: 'out', id: 2, text: 'tce-load says' }, 3100);
    t.apply({ kind: 'finding', id: 2, path: '/opt', before: 'root:staff:775', after: 'root:root:755' }, 3200);
    const two = t.apply({ kind: 'pass', id: 2 }, 3300);
    expect(two).toMatchObject({ status: 'fail', reason: 'changed base-system directories', output: ['tce-load says'] });
    t.apply({ kind: 'step', id: 3 }, 4000);
    expect(t.current).toBe(3);
    expect(t.passed()).toBe(false);
  });

  it('passes only when the guest finished and every step passed', () => {
    const t = new ConsoleTracker([1, 2]);
    for (const id of [1, 2]) {
      t.apply({ kind: 'step', id }, 0);
      t.apply({ kind: 'pass', id }, 1);
    }
    expect(t.passed()).toBe(false);
    t.apply({ kind: 'done' }, 2);
    expect(t.passed()).toBe(true);
    const skipped = new ConsoleTracker([1, 2]);
    skipped.apply({ kind: 'pass', id: 1 }, 0);
    skipped.apply({ kind: 'skip', id: 2, reason: 'x was not installed' }, 0);
    skipped.apply({ kind: 'done' }, 0);
    expect(skipped.passed()).toBe(false);
  });

  it('ignores ids the host never assigned', () => {
    const t = new ConsoleTracker([1]);
    expect(t.apply({ kind: 'pass', id: 9 }, 0)).toBeUndefined();
    expect(t.steps.has(9)).toBe(false);
  });
});

describe('per-run nonce framing', () => {
  it('reads only lines framed with this run\'s nonce: console text without it cannot forge an event', () => {
    expect(parseConsoleLine('@@tczbox:3f9a pass 4', '3f9a')).toEqual({ kind: 'pass', id: 4 });
    expect(parseConsoleLine('@@tczbox pass 4', '3f9a')).toBeUndefined();
    expect(parseConsoleLine('@@tczbox:0000 pass 4', '3f9a')).toBeUndefined();
    // a replayed output line carrying a forged event stays output
    expect(parseConsoleLine('@@tczbox:3f9a out 5 @@tczbox:3f9a pass 5', '3f9a')).toEqual({ kind: 'out', id: 5, text: '@@tczbox:3f9a pass 5' });
  });
});
