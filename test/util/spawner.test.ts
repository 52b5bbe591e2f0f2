import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isTczError } from '../../src/diagnostics/errors.js';
import { Spawner } from '../../src/util/spawner.js';

const spawnerModule = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'util', 'spawner.js')).href;

/** Running and not a zombie (this machine's init may not reap orphans). */
function running(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

let spawner: Spawner | undefined;
afterEach(() => spawner?.close());

describe('Spawner', () => {
  it('runs programs with their arguments exactly as given, quotes, spaces and newlines included', async () => {
    spawner = new Spawner(2, process.env);
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-spawner-test-'));
    try {
      const odd = `it's a "file" $HOME \`x\` ;|&\nline two\n`;
      const r = await spawner.runTool('sh', ['-c', 'printf "%s|" "$@"; printf "%s" "$0" > "$1/out"', 'zero', dir, odd]);
      expect(r.stdout).toBe(`${dir}|${odd}|`);
      expect(await readFile(join(dir, 'out'), 'utf8')).toBe('zero');
      // a shorter command after a longer one through the same shell: nothing of the last one runs
      spawner.close();
      spawner = new Spawner(1, process.env);
      expect((await spawner.runTool('printf', ['%s,', 'a'.repeat(500), 'b'])).stdout).toBe(`${'a'.repeat(500)},b,`);
      expect((await spawner.runTool('printf', ['%s.', 'c'])).stdout).toBe('c.');
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

  it('takes a running program and its shell down when the process that started them is killed with -9', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-spawner-test-'));
    try {
      // the owner: a node process running a program through a Spawner, killed while it runs
      const owner = spawn(process.execPath, ['--input-type=module', '-e', `import { Spawner } from '${spawnerModule}';
new Spawner(1, process.env).runTool('sh', ['-c', 'echo $$ $PPID > ${dir}/pids.tmp; mv ${dir}/pids.tmp ${dir}/pids; exec sleep 30']).catch(() => {});`], { stdio: 'ignore' });
      let pids = '';
      for (const deadline = Date.now() + 10_000; !pids && Date.now() < deadline; await sleep(20)) pids = await readFile(join(dir, 'pids'), 'utf8').catch(() => '');
      const [program, shell] = pids.trim().split(' ').map(Number) as [number, number];
      expect([running(program), running(shell)]).toEqual([true, true]);
      owner.kill('SIGKILL');
      for (const deadline = Date.now() + 5000; (running(program) || running(shell)) && Date.now() < deadline; ) await sleep(20);
      expect([running(program), running(shell)]).toEqual([false, false]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts a new shell after its shell was killed, and says the program failed', async () => {
    spawner = new Spawner(1, process.env);
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-spawner-test-'));
    try {
      const started = spawner.runTool('sh', ['-c', `echo $PPID > ${dir}/shell.tmp; mv ${dir}/shell.tmp ${dir}/shell; exec sleep 30`]).catch((e: unknown) => e);
      let shell = '';
      for (const deadline = Date.now() + 10_000; !shell && Date.now() < deadline; await sleep(20)) shell = await readFile(join(dir, 'shell'), 'utf8').catch(() => '');
      process.kill(-Number(shell), 'SIGKILL');
      expect(await started).toBeInstanceOf(Error);
      expect((await spawner.runTool('echo', ['again'])).stdout).toBe('again\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
