import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

/** A pid that certainly names no process any more. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

describe('tczbuild clean', () => {
  it("removes a killed build's leftovers but never a running build's", async () => {
    const dir = await testdir({ 'out/11.x/x86_64/tcz/a.tcz': 'x' });
    const dead = deadPid();
    await mkdir(join(dir, `.out.new-${dead}`));
    await mkdir(join(dir, `.out.work-${dead}`));
    await writeFile(join(dir, `out.lock.${dead}-0a1b2c3d`), `${dead}\n`);
    await mkdir(join(dir, `.out.work-${process.pid}`));
    const run = await tczbuild(['clean'], { cwd: dir });
    expect(run.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([`.out.work-${process.pid}`, 'out']);
    expect(existsSync(join(dir, 'out/11.x/x86_64/tcz/a.tcz'))).toBe(true);
  });

  it('puts back out/ when a publish was killed between its two renames', async () => {
    const dead = deadPid();
    const dir = await testdir({ [`.out.old-${dead}/11.x/x86_64/tcz/a.tcz`]: 'x', [`.out.new-${dead}/11.x/x86_64/tcz/a.tcz`]: 'y' });
    const run = await tczbuild(['clean'], { cwd: dir });
    expect(run.stdout).toContain('restored out from a publish cut short');
    expect(await readdir(dir)).toEqual(['out']);
    expect(existsSync(join(dir, 'out/11.x/x86_64/tcz/a.tcz'))).toBe(true);
  });

  it('with --all removes out/ too', async () => {
    const dir = await testdir({ 'out/11.x/x86_64/tcz/a.tcz': 'x' });
    expect((await tczbuild(['clean', '--all'], { cwd: dir })).code).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('option checking', () => {
  it('answers a bad --arch or --tc-version with a usage error and exit code 2', async () => {
    const dir = await testdir();
    const arch = await tczbuild(['all', '--arch', 'mips'], { cwd: dir });
    expect(arch.code).toBe(2);
    expect(arch.stderr).toContain('--arch: "mips" is not a TinyCore arch (one of x86_64, x86, aarch64, armv7, armv6)');
    expect((await tczbuild(['lint', '--tc-version', 'eleven'], { cwd: dir })).code).toBe(2);
    expect((await tczbuild(['all', '--no-such-flag'], { cwd: dir })).code).toBe(2);
  });
});

describe('the command table', () => {
  it('files every command under the first word of its path', async () => {
    const { commandsByWord } = await import('../../src/cli/commands/index.js');
    for (const [word, load] of Object.entries(commandsByWord)) {
      for (const command of await load()) expect(command.paths?.map((p) => p[0])).toEqual([word]);
    }
  });

  it('still lists every command in --help', async () => {
    const help = await tczbuild(['--help'], { cwd: await testdir() });
    for (const name of ['all', 'build', 'lint', 'fetch', 'explain', 'clean', 'pin', 'serve', 'verify', 'index', 'kernel-config check', 'kernel-config emit', 'kernel-module build']) {
      expect(help.stdout).toContain(`tczbuild ${name}`);
    }
  });
});
