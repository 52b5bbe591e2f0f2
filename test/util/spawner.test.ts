import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isTczError } from '../../src/diagnostics/errors.js';
import { Spawner } from '../../src/util/spawner.js';

let spawner: Spawner | undefined;
afterEach(() => spawner?.close());

describe('Spawner', () => {
  it('runs programs with their arguments exactly as given, quotes and spaces included', async () => {
    spawner = new Spawner(2, process.env);
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-spawner-test-'));
    try {
      const odd = `it's a "file" $HOME \`x\` ;|&`;
      const r = await spawner.runTool('sh', ['-c', 'printf "%s|" "$@"; printf "%s" "$0" > "$1/out"', 'zero', dir, odd]);
      expect(r.stdout).toBe(`${dir}|${odd}|`);
      expect(await readFile(join(dir, 'out'), 'utf8')).toBe('zero');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a failure as tool-failed with the exit code and the tail of stderr', async () => {
    spawner = new Spawner(1, process.env);
    const err = await spawner.runTool('sh', ['-c', 'echo first >&2; echo the reason >&2; exit 3']).catch((e: unknown) => e);
    expect(isTczError(err) && err.diagnostics[0]).toMatchObject({ id: 'tool-failed', message: expect.stringMatching(/exit code 3\)[\s\S]*the reason/) });
  });

  it('reports a program that is not installed as tool-missing', async () => {
    spawner = new Spawner(1, process.env);
    const err = await spawner.runTool('tczbuild-no-such-program', []).catch((e: unknown) => e);
    expect(isTczError(err) && err.diagnostics[0]?.id).toBe('tool-missing');
  });

  it('runs at most its size at once', async () => {
    spawner = new Spawner(2, process.env);
    const started = Date.now();
    await Promise.all(Array.from({ length: 4 }, () => spawner!.runTool('sleep', ['0.3'])));
    expect(Date.now() - started).toBeGreaterThanOrEqual(550); // 4 x 0.3 s, two at a time
  });

  it('takes a running program down when its shell is killed (setpriv --pdeathsig), and starts a new shell after', async () => {
    spawner = new Spawner(1, process.env);
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-spawner-test-'));
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      const running = spawner.runTool('sh', ['-c', `echo $$ $PPID > ${dir}/pids; exec sleep 30`]).catch((e: unknown) => e);
      let pids = '';
      while (!pids.includes('\n')) pids = await readFile(join(dir, 'pids'), 'utf8').catch(() => '');
      const [program, shell] = pids.trim().split(' ').map(Number) as [number, number];
      expect(alive(program)).toBe(true);
      process.kill(shell, 'SIGKILL');
      expect(await running).toBeInstanceOf(Error);
      const deadline = Date.now() + 5000;
      while (alive(program) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(alive(program)).toBe(false);
      expect((await spawner.runTool('echo', ['again'])).stdout).toBe('again\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
