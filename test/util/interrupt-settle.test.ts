/**
 * What a signal's cleanup waits for (src/util/interrupt.ts), in a real process that SIGINTs
 * itself: work run through settledBeforeCleanup() ends before the cleanups start, so they never
 * race its writes; work that has not ended by its grace no longer holds Ctrl-C up.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const interrupt = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'util', 'interrupt.js')).href;

/** Run `body` as an ES module with interrupt.ts's exports in scope; its exit code and what it printed. */
function run(body: string): { code: number | null; lines: string[] } {
  const script = `import { onInterrupt, settledBeforeCleanup } from '${interrupt}';\nconst t0 = Date.now();\nconst say = (m) => console.log(m + ' ' + (Date.now() - t0));\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, lines: r.stdout.trim().split('\n') };
}

describe('a signal while work writes beside out/', () => {
  it('runs the cleanups only once the work in flight has settled, then exits 130', () => {
    const { code, lines } = run(`
onInterrupt(() => say('cleanup'));
void settledBeforeCleanup(() => new Promise((r) => setTimeout(() => { say('work done'); r(); }, 800)), 10_000).catch(() => {});
setTimeout(() => process.kill(process.pid, 'SIGINT'), 100);
setTimeout(() => {}, 20_000);
`);
    expect(code).toBe(130);
    expect(lines.map((l) => l.split(' ').slice(0, -1).join(' '))).toEqual(['work done', 'cleanup']);
  });

  it('stops waiting for work that has not settled by its grace', () => {
    const { code, lines } = run(`
onInterrupt(() => say('cleanup'));
void settledBeforeCleanup(() => new Promise(() => {}), 500);
setTimeout(() => process.kill(process.pid, 'SIGINT'), 100);
setTimeout(() => {}, 20_000);
`);
    expect(code).toBe(130);
    const [what, ms] = lines[0]!.split(' ');
    expect(what).toBe('cleanup');
    // the signal at ~100 ms, then the 500 ms grace: well before the 60 s an uninterruptible step gets
    expect(Number(ms)).toBeGreaterThanOrEqual(550);
    expect(Number(ms)).toBeLessThan(5_000);
  });
});
