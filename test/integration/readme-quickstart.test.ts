/**
 * The repository stands alone: a `git clone` of HEAD into an empty directory, with nothing
 * beside it, runs the README's quick start (setup.sh, which installs npm packages from the
 * committed lock, then `npm run demo` on the booted stand-in box) and its unit suite passes,
 * with TinyCore's Core-scripts only through the documented override; `git status` stays clean
 * and `npx tczbuild` is this checkout's CLI. Offline without Core-scripts, the demo stops with
 * one clear error and exit 1. A src/ broken after the build fails the CLI tests (no stale dist/).
 * (A clone has only what is committed: commit before running this.)
 * After setup.sh, the checks that change a checkout (offline demo, broken src/) run in a second
 * clone of the same commit while the demo boots the box. Each part prints its time.
 *
 * The unit suite runs in the clone only when the clone differs from the checkout this run tests
 * (helpers/same-tree.ts: another commit, a changed, added or left-over file, other npm packages).
 * When it does not, the clone's unit suite would be the same files on the same packages with
 * vitest started the same way (the stale-dist/ check below starts vitest in a clone): what it
 * would add is what the clone's place and environment change, and neither reaches a unit test.
 * Nothing beside the clone: only .ci/run may name the directory beside the repository
 * (test/architecture). The environment: the clone runs without TCZBUILD_OPENFAAS_DIR and without
 * vitest's own variables (which vitest sets again there); a unit test file naming one of them
 * counts as a difference. This run's
 * unit project is that suite (`npm test` runs both; this file alone leaves it to `npm run
 * test:unit`), so a fresh clone in CI, where checkout and clone are the same, runs it once
 * instead of twice; a checkout with uncommitted work runs it in the clone as well.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreScripts } from '../../src/tinycore/core-scripts.js';
import { coreScriptsCheckout } from '../helpers/core-scripts.js';
import { readmeBlock, readmeBlocks, repoRoot } from '../helpers/readme.js';
import { inBootLane } from '../helpers/file-lock.js';
import { cloneDifferences, unitFilesNaming } from '../helpers/same-tree.js';
import { testdir } from '../helpers/testdir.js';
import { kernelRelease, overlayModule } from './helpers/box-project.js';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd, encoding: 'utf8' });

/** What a user's shell lacks that this run has: vitest's variables, Core-scripts unless given, the OpenFaaS artifacts. */
const notInUserEnv = (k: string): boolean => /^(VITEST|TCZBUILD_CORE_SCRIPTS$|TCZBUILD_OPENFAAS_DIR$)/.test(k) || k === 'NODE_ENV';

/** The environment a user's shell would have: no vitest variables, no Core-scripts unless given, no OpenFaaS artifacts. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !notInUserEnv(k)));
  return { ...env, ...extra };
}

interface Started {
  /** Resolves once the output matches `pattern`, or the command has ended. */
  readonly saw: (pattern: RegExp) => Promise<void>;
  readonly done: Promise<{ code: number; out: string }>;
}

/** Starts `command` under bash; a run past `timeout` is killed (its whole process group) and reads as failed. */
function start(what: string, command: string, cwd: string, env: NodeJS.ProcessEnv, timeout: number): Started {
  const started = Date.now();
  const child = spawn('bash', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiting: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const more = (c: Buffer): void => {
    out += c.toString();
    for (const w of waiting.filter((x) => x.pattern.test(out))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', more);
  child.stderr.on('data', more);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, timeout);
  const done = new Promise<{ code: number; out: string }>((resolve) => {
    const end = (code: number): void => {
      clearTimeout(timer);
      console.log(`${what}: exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      for (const w of waiting.splice(0)) w.resolve();
      resolve({ code, out: timedOut ? `${out}\n(killed after ${timeout / 1000} s)` : out });
    };
    child.once('error', (error) => {
      out += String(error);
      end(1);
    });
    child.once('close', (c) => end(c ?? 1));
  });
  let ended = false;
  void done.then(() => (ended = true));
  const saw = (pattern: RegExp): Promise<void> =>
    pattern.test(out) || ended ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ pattern, resolve }));
  return { saw, done };
}

const sh = (what: string, command: string, cwd: string, env: NodeJS.ProcessEnv, timeout: number): Promise<{ code: number; out: string }> =>
  start(what, command, cwd, env, timeout).done;

describe('a fresh clone with nothing beside it', () => {
  it('runs the quick start demo with Core-scripts only through the override, passes the unit suite, and fails clearly offline without them', async () => {
    const empty = await testdir();
    const clone = join(empty, 'tczbuild');
    git(empty, 'clone', '-q', '--no-hardlinks', repoRoot, clone);
    expect(readdirSync(empty)).toEqual(['tczbuild']);
    const override = { TCZBUILD_CORE_SCRIPTS: coreScriptsCheckout() };

    // The overlay module takes minutes to compile: the clone's demo reuses the one the box tests
    // build (the same `kernel-module build` against Debian's headers), kept where the demo keeps
    // its own. Another test file may be compiling it right now: wait for it beside setup.sh.
    const module = kernelRelease().then((release) => overlayModule(release));

    const mainJob = readmeBlock('## Quick start', 'sh').split('\n')[0]!;
    // The README's main job is setup.sh, then (&&) the demo: run as two commands here, so that
    // the second clone's checks can start beside the demo.
    const [setupCmd, demoCmd] = mainJob.replace(/\s+#.*$/, '').split(' && ');
    expect([setupCmd, demoCmd]).toEqual(['./scripts/setup.sh', 'npm run demo']);
    const setup = await sh('setup.sh', setupCmd!, clone, userEnv(override), 900_000);
    expect(setup.code, setup.out.slice(-4000)).toBe(0);
    const modules = join(clone, 'out-demo', 'box', 'overlayfs');
    mkdirSync(modules, { recursive: true });
    cpSync(await module, modules, { recursive: true });

    // The checks that change a checkout (the offline demo rebuilds dist/, the stale-build check
    // breaks src/) run in a second clone of the same commit, with the packages setup.sh installed
    // in the first, so they run beside the first clone's demo (at nice 10: the demo's guest has
    // step timeouts to meet).
    const second = join(empty, 'second');
    git(empty, 'clone', '-q', '--no-hardlinks', repoRoot, second);
    symlinkSync(join(clone, 'node_modules'), join(second, 'node_modules'));
    const changing = (async () => {
      // Offline, no checkout handed in, an empty download cache: one clear error, exit 1.
      const cache = join(empty, 'empty-cache');
      const offline = await sh('npm run demo -- --offline', 'nice -n 10 npm run demo -- --offline', second, userEnv({ XDG_CACHE_HOME: cache }), 300_000);
      // No stale build: break src/ (it still compiles) without `npm run build`, and the CLI test
      // of that module fails, because the suite's global setup rebuilds dist/ first.
      const statusAfterOffline = git(second, 'status', '--porcelain');
      appendFileSync(join(second, 'src/builder/noop-stamp.ts'), "\nthrow new Error('noop-stamp broken on purpose');\n");
      const stale = await sh('stale dist/ check', 'nice -n 10 npx vitest run test/integration/noop-stamp.test.ts', second, userEnv(override), 600_000);
      return { offline, statusAfterOffline, stale, cache };
    })();

    // the demo boots the box: in the suite's boot lane (helpers/file-lock.ts)
    const demo = await inBootLane(() => sh('npm run demo', demoCmd!, clone, userEnv(override), 900_000));
    expect(demo.code, demo.out.slice(-4000)).toBe(0);
    expect(demo.out).toContain('hello from a container');
    // a fresh machine has no OpenFaaS artifacts: the containerd demo says how to get the faasd one
    expect(demo.out).toContain('npm run demo -- --openfaas DIR');
    expect(demo.out).toContain(`Core-scripts ${coreScripts.commit.slice(0, 12)} verified`);

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

    // The unit suite in the clone, unless the clone is byte for byte what this run's unit
    // project tests (see the header); it runs after the second clone's checks, with no build
    // beside it.
    await changing;
    // the variables the clone's unit suite would run without, and the names src/ reads them by
    const lacking = [...Object.keys(process.env).filter((k) => notInUserEnv(k) && k !== 'TCZBUILD_CORE_SCRIPTS'), 'openfaasDirVariable'];
    const differences = [...cloneDifferences(repoRoot, clone), ...unitFilesNaming(repoRoot, lacking).map((f) => `${f} names a variable the clone runs without (${lacking.join(', ')})`)];
    if (differences.length === 0) {
      console.log(`npm run test:unit: not run again in the clone: it is this checkout at ${git(clone, 'rev-parse', '--short', 'HEAD').trim()} with the same packages`);
    } else {
      console.log(`npm run test:unit: runs in the clone, which differs from this checkout:\n  ${differences.join('\n  ')}`);
      const unit = await sh('npm run test:unit', 'npm run test:unit', clone, userEnv({ ...override, NO_COLOR: '1' }), 900_000);
      expect(unit.code, unit.out.slice(-4000)).toBe(0);
      expect(unit.out).toMatch(/Tests +\d+ passed/);
    }
    // the demo (and the unit suite) leave the checkout as cloned
    expect(git(clone, 'status', '--porcelain')).toBe('');

    const { offline, statusAfterOffline, stale, cache } = await changing;
    expect(offline.code, offline.out.slice(-4000)).toBe(1);
    expect(offline.out).toContain('error[core-scripts-unavailable]');
    expect(offline.out).toContain(coreScripts.url);
    expect(offline.out).toContain('TCZBUILD_CORE_SCRIPTS=DIR');
    expect(offline.out).not.toMatch(/^\s+at .*\.js:\d+/m);
    expect(existsSync(join(cache, 'tczbuild', 'core-scripts'))).toBe(false);
    expect(statusAfterOffline).toBe('');
    expect(stale.code, stale.out.slice(-4000)).not.toBe(0);
    expect(stale.out).toContain('noop-stamp broken on purpose');
  }, 2_400_000);
});
