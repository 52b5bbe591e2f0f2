/**
 * The repository stands alone: a `git clone` of HEAD into an empty directory, with nothing
 * beside it, runs the README's quick start (setup.sh, which installs npm packages from the
 * committed lock, then `npm run demo` on the booted stand-in box) and the unit suite, with
 * TinyCore's Core-scripts only through the documented override; `git status` stays clean and
 * `npx tczbuild` is this checkout's CLI. Offline without Core-scripts, the demo stops with one
 * clear error and exit 1. A src/ broken after the build fails the CLI tests (no stale dist/).
 * (A clone has only what is committed: commit before running this.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreScripts } from '../../src/tinycore/core-scripts.js';
import { coreScriptsCheckout } from '../helpers/core-scripts.js';
import { readmeBlock, readmeBlocks, repoRoot } from '../helpers/readme.js';
import { testdir } from '../helpers/testdir.js';
import { kernelRelease, overlayModule } from './helpers/box-project.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd, encoding: 'utf8' });

/** The environment a user's shell would have: no vitest variables, no Core-scripts unless given, no OpenFaaS artifacts. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TCZBUILD_CORE_SCRIPTS$|TCZBUILD_OPENFAAS_DIR$)/.test(k) && k !== 'NODE_ENV'));
  return { ...env, ...extra };
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv, timeout: number): { code: number; out: string } {
  const r = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8', timeout, maxBuffer: 256 << 20 });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('a fresh clone with nothing beside it', () => {
  it('runs the quick start demo and the unit suite with Core-scripts only through the override, and fails clearly offline without them', async () => {
    const empty = await testdir();
    const clone = join(empty, 'tczbuild');
    git(empty, 'clone', '-q', '--no-hardlinks', repoRoot, clone);
    expect(readdirSync(empty)).toEqual(['tczbuild']);
    const override = { TCZBUILD_CORE_SCRIPTS: coreScriptsCheckout() };

    // The overlay module takes minutes to compile: the clone's demo reuses the one the box tests
    // build (the same `kernel-module build` against Debian's headers), kept where the demo keeps its own.
    const release = await kernelRelease();
    const modules = join(clone, 'out-demo', 'box', 'overlayfs');
    mkdirSync(modules, { recursive: true });
    cpSync(await overlayModule(release), modules, { recursive: true });

    const mainJob = readmeBlock('## Quick start', 'sh').split('\n')[0]!;
    expect(mainJob).toMatch(/^\.\/scripts\/setup\.sh && npm run demo/);
    const demo = sh(mainJob, clone, userEnv(override), 900_000);
    expect(demo.code, demo.out.slice(-4000)).toBe(0);
    expect(demo.out).toContain('hello from a container');
    // a fresh machine has no OpenFaaS artifacts: the containerd demo says how to get the faasd one
    expect(demo.out).toContain('npm run demo -- --openfaas DIR');
    expect(demo.out).toContain(`Core-scripts ${coreScripts.commit.slice(0, 12)} verified`);
    expect(git(clone, 'status', '--porcelain')).toBe('');

    const { version } = JSON.parse(readFileSync(join(clone, 'package.json'), 'utf8')) as { version: string };
    // `--version` prints the package version, then the commit it was built from
    expect(execFileSync('npx', ['--offline', 'tczbuild', '--version'], { cwd: clone, encoding: 'utf8' }).trim()).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}( |$)`));
    const blocks = readmeBlocks('## Quick start', 'sh');
    // both blocks must be there: a loop over the lines of a missing block would check nothing
    const realJob = blocks.find((b) => b.includes('npx tczbuild all'));
    expect(realJob, 'the Quick start block with npx tczbuild all').toBeDefined();
    for (const line of realJob!.split('\n').filter(Boolean)) expect(line).toMatch(/^npx tczbuild (pin|all|serve)\b/);
    // how Core-scripts arrive: the override, or the demo's own --offline
    const coreBlock = blocks.find((b) => b.includes('TCZBUILD_CORE_SCRIPTS='));
    expect(coreBlock, 'the Quick start block handing in Core-scripts').toBeDefined();
    for (const line of coreBlock!.split('\n').filter(Boolean)) expect(line).toMatch(/^(TCZBUILD_CORE_SCRIPTS=\S+ npm run demo|npm run demo -- --offline)\b/);

    const unit = sh('npm run test:unit', clone, userEnv(override), 900_000);
    expect(unit.code, unit.out.slice(-4000)).toBe(0);
    expect(unit.out).toMatch(/Tests +\d+ passed/);

    // Offline, no checkout handed in, an empty download cache: one clear error, exit 1.
    const cache = join(empty, 'empty-cache');
    const offline = sh('npm run demo -- --offline', clone, userEnv({ XDG_CACHE_HOME: cache }), 300_000);
    expect(offline.code, offline.out.slice(-4000)).toBe(1);
    expect(offline.out).toContain('error[core-scripts-unavailable]');
    expect(offline.out).toContain(coreScripts.url);
    expect(offline.out).toContain('TCZBUILD_CORE_SCRIPTS=DIR');
    expect(offline.out).not.toMatch(/^\s+at .*\.js:\d+/m);
    expect(existsSync(join(cache, 'tczbuild', 'core-scripts'))).toBe(false);
    expect(git(clone, 'status', '--porcelain')).toBe('');

    // No stale build: break src/ (it still compiles) without `npm run build`, and the CLI test
    // of that module fails, because the suite's global setup rebuilds dist/ first.
    appendFileSync(join(clone, 'src/builder/noop-stamp.ts'), "\nthrow new Error('noop-stamp broken on purpose');\n");
    const stale = sh('npx vitest run test/integration/noop-stamp.test.ts', clone, userEnv(override), 600_000);
    expect(stale.code, stale.out.slice(-4000)).not.toBe(0);
    expect(stale.out).toContain('noop-stamp broken on purpose');
  }, 2_400_000);
});
