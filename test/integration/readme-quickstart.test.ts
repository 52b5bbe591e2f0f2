/**
 * The README's quick start, run as written in a fresh copy of this checkout: setup.sh (which
 * installs npm packages from the committed lock) and the demo must leave `git status` clean,
 * and `npx tczbuild` must run this checkout's CLI as the README says.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeBlock, repoRoot } from '../helpers/readme.js';
import { testdir } from '../helpers/testdir.js';
import { coreScriptsCheckout } from '../helpers/core-scripts.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd, encoding: 'utf8' });

describe('README quick start', () => {
  it('leaves git status clean and gives a working `npx tczbuild`', async () => {
    const dir = await testdir();
    // The files a clone would have: tracked ones plus new, not ignored ones, as they are now.
    for (const rel of git(repoRoot, 'ls-files', '-co', '--exclude-standard', '-z').split('\0').filter(Boolean)) {
      mkdirSync(join(dir, rel, '..'), { recursive: true });
      cpSync(join(repoRoot, rel), join(dir, rel), { verbatimSymlinks: true });
    }
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'checkout');

    const mainJob = readmeBlock('## Quick start', 'sh').split('\n')[0]!;
    expect(mainJob).toMatch(/^\.\/scripts\/setup\.sh && npm run demo/);
    // TinyCore's Core-scripts reach the demo's stand-in box only through the override (or the pinned download).
    const env = { ...process.env, TCZBUILD_CORE_SCRIPTS: coreScriptsCheckout() };
    execFileSync('bash', ['-c', mainJob], { cwd: dir, stdio: 'pipe', timeout: 600_000, env });
    expect(git(dir, 'status', '--porcelain')).toBe('');

    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
    expect(execFileSync('npx', ['--offline', 'tczbuild', '--version'], { cwd: dir, encoding: 'utf8' }).trim()).toBe(version);
    const realJob = readmeBlock('## Quick start', 'sh', 1);
    for (const line of realJob.split('\n').filter(Boolean)) expect(line).toMatch(/^npx tczbuild (pin|all|serve)\b/);
  }, 900_000);
});
