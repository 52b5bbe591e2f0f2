/**
 * The CLI as a daily tool: help that names each option's value and default, -V/--version and
 * `help`, shell completion that a real bash and zsh load, --quiet/--verbose, NO_COLOR, and a
 * --json stream that is versioned, timestamped and closed by exactly one result event.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { tczbuild } from '../helpers/cli.js';
import { testdir, writeTree } from '../helpers/testdir.js';
import { recipeText } from '../helpers/recipe-text.js';

const good = recipeText('good', `sources:
  - url: https://example.invalid/good.bin
    sha256: unpinned
    install: { to: usr/local/bin/good }
`);

describe('help', () => {
  it('names every option value and shows defaults', async () => {
    const dir = await testdir();
    const all = await tczbuild(['all', '--help'], { cwd: dir });
    expect(all.stdout).toMatch(/--recipes DIR +directory holding NAME\.yaml recipes \(default: recipes\)/);
    expect(all.stdout).toMatch(/--tc-version N +TinyCore major version \(the 11 in 11\.x\) \(default: 11\)/);
    expect(all.stdout).toMatch(/--source-mirror URL\|DIR /);
    expect(all.stdout).toMatch(/--arch ARCH .*\(default: x86_64\)/);
    const overview = await tczbuild(['--help'], { cwd: dir });
    expect(overview.stdout).toMatch(/tczbuild serve \[--json\] \[--quiet,-q\] \[--verbose\] .*\[--out DIR\] \[--cache DIR\] \[--host HOST\] \[--port PORT\]/);
    for (const text of [overview.stdout, all.stdout]) expect(text).not.toMatch(/#\d/);
    for (const word of ['build', 'lint', 'serve', 'pin', 'verify', 'kernel-module build', 'completion']) {
      expect((await tczbuild([...word.split(' '), '--help'], { cwd: dir })).stdout).not.toMatch(/#\d/);
    }
  });

  it('answers -V, -v, --version and the help word', async () => {
    const dir = await testdir();
    const { toolVersion } = await import('../../src/util/version.js');
    const { execFileSync } = await import('node:child_process');
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    for (const flag of ['-V', '-v', '--version']) expect((await tczbuild([flag], { cwd: dir })).stdout).toMatch(new RegExp(`^${toolVersion.replace(/\./g, '\\.')} \\(commit ${head}(-dirty)?\\)\n$`));
    const help = await tczbuild(['help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tczbuild all');
    const helpAll = await tczbuild(['help', 'all'], { cwd: dir });
    expect(helpAll.stdout).toBe((await tczbuild(['all', '--help'], { cwd: dir })).stdout);
  });
});

describe('tczbuild completion', () => {
  /** What bash's completion offers for a command line, through the script as a user loads it. */
  function complete(script: string, words: string[], cwd: string): string[] {
    const out = execFileSync('bash', ['-c', `eval "$SCRIPT"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tczbuild; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd, env: { ...process.env, SCRIPT: script }, encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  }

  it('completes commands, options, arches and recipe names in bash, and passes shellcheck', async () => {
    const dir = await testdir({ 'recipes/good.yaml': good, 'recipes/gadget.yaml': good });
    const script = (await tczbuild(['completion', 'bash'], { cwd: dir })).stdout;
    execFileSync('shellcheck', ['-s', 'bash', '-'], { input: script });
    expect(complete(script, ['tczbuild', 'bu'], dir)).toEqual(['build', 'bump']);
    expect(complete(script, ['tczbuild', 'kernel-config', ''], dir)).toEqual(['check', 'emit']);
    expect(complete(script, ['tczbuild', 'all', '--rec'], dir)).toEqual(['--recipes']);
    expect(complete(script, ['tczbuild', 'all', '--arch', 'a'], dir)).toEqual(['aarch64', 'armv7', 'armv6']);
    expect(complete(script, ['tczbuild', 'build', 'g'], dir).sort()).toEqual(['gadget', 'good']);
    expect(complete(script, ['tczbuild', 'completion', ''], dir)).toEqual(['bash', 'zsh', 'fish']);
  });

  it('registers with a real zsh, natively (no bashcompinit), and the zsh and fish scripts parse', async () => {
    const dir = await testdir();
    const script = (await tczbuild(['completion', 'zsh'], { cwd: dir })).stdout;
    expect(script.startsWith('#compdef tczbuild\n')).toBe(true);
    expect(script).not.toContain('mapfile');
    const out = execFileSync('zsh', ['-fc', 'autoload -U compinit && compinit -u -D; eval "$SCRIPT"; print -r -- "$_comps[tczbuild]"'], { env: { ...process.env, SCRIPT: script }, encoding: 'utf8' });
    expect(out.trim()).toBe('_tczbuild');
    execFileSync('zsh', ['-n', '-c', script]);
    const fish = (await tczbuild(['completion', 'fish'], { cwd: dir })).stdout;
    execFileSync('fish', ['--no-config', '-n', '-c', fish]);
  }, 30_000);

  it('refuses a shell it does not know with a usage error', async () => {
    const run = await tczbuild(['completion', 'tcsh'], { cwd: await testdir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('completion takes bash, zsh or fish, not "tcsh"');
  });
});

describe('output volume and colour', () => {
  it('--quiet prints only warnings and errors; --verbose adds stage starts', async () => {
    const dir = await testdir({ 'recipes/good.yaml': good });
    const quiet = await tczbuild(['lint', '--quiet'], { cwd: dir });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toContain('warning[source-unpinned]');
    const normal = await tczbuild(['lint'], { cwd: dir });
    expect(normal.stdout).toBe('1 recipes ok, 1 warnings\n');
    expect((await tczbuild(['lint', '--quiet', '--verbose'], { cwd: dir })).code).toBe(2);

    const local = await testdir({ 'tool.sh': '#!/bin/sh\n' });
    const pinned = good.replace('https://example.invalid/good.bin', `file://${local}/tool.sh`).replace('unpinned', createHash('sha256').update('#!/bin/sh\n').digest('hex'));
    await writeTree(local, { 'recipes/good.yaml': pinned });
    const verbose = await tczbuild(['all', '--cache', 'cache', '--verbose'], { cwd: local });
    expect(verbose.code).toBe(0);
    expect(verbose.stdout).toMatch(/^good: stage …$/m);
    const quietBuild = await tczbuild(['all', '--cache', 'cache', '--force', '--quiet'], { cwd: local });
    expect(quietBuild.code).toBe(0);
    expect(quietBuild.stdout + quietBuild.stderr).toBe('');
  }, 30_000);

  it('colours severities on a terminal unless NO_COLOR is set', async () => {
    const dir = await testdir({ 'recipes/good.yaml': good.replace('name: good', 'name: bad') });
    const run = async (env: NodeJS.ProcessEnv): Promise<string> => {
      const stdout = Object.assign(new PassThrough(), { isTTY: true });
      const stderr = Object.assign(new PassThrough(), { isTTY: true });
      const chunks: Buffer[] = [];
      stderr.on('data', (c: Buffer) => chunks.push(c));
      expect(await runCli(['lint'], { stdin: process.stdin, stdout, stderr, cwd: dir, env: { PATH: process.env.PATH, ...env }, colorDepth: 256 })).toBe(1);
      return Buffer.concat(chunks).toString();
    };
    expect(await run({})).toContain('\x1b[31merror\x1b[0m[name-mismatch]');
    const plain = await run({ NO_COLOR: '1' });
    expect(plain).toContain('error[name-mismatch]');
    expect(plain).not.toContain('\x1b[');
  });
});

describe('--json', () => {
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  function checkStream(events: Array<Record<string, unknown>>): Record<string, unknown> {
    for (const e of events) {
      expect(e.v).toBe(1);
      expect(e.time).toMatch(iso);
    }
    expect(events.filter((e) => e.type === 'result')).toHaveLength(1);
    return events.at(-1)!;
  }

  it('ends with one result event on success, on failure and on a usage error', async () => {
    const dir = await testdir({ 'recipes/good.yaml': good });
    const ok = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(checkStream(ok.events)).toMatchObject({ type: 'result', command: 'lint', ok: true, exitCode: 0 });
    const empty = await testdir();
    const failed = await tczbuild(['all', '--json'], { cwd: empty });
    expect(failed.code).toBe(1);
    expect(checkStream(failed.events)).toMatchObject({ type: 'result', command: 'all', ok: false, exitCode: 1 });
    const usage = await tczbuild(['all', '--json', '--no-such-flag'], { cwd: empty });
    expect(usage.code).toBe(2);
    expect(checkStream(usage.events)).toMatchObject({ type: 'result', ok: false, exitCode: 2 });
  });

  it('folds a command\'s own result into the closing event', async () => {
    const run = await tczbuild(['kernel-config', 'emit', '--json'], { cwd: await testdir() });
    expect(run.code).toBe(0);
    const result = checkStream(run.events);
    expect(result).toMatchObject({ type: 'result', command: 'kernel-config emit', ok: true, exitCode: 0 });
    expect(result.text).toMatch(/CONFIG_OVERLAY_FS=/);
  });
});

describe('usage errors a new user meets first', () => {
  it('tczbuild test without --box says it needs one (exit 2), not "Command not found"', async () => {
    const run = await tczbuild(['test', 'hello'], { cwd: await testdir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tczbuild test needs --box FILE');
    expect(run.stdout + run.stderr).not.toContain('Command not found');
  });

  it('a --ca-file that is missing or holds no certificate is a usage error (exit 2) before any download', async () => {
    const dir = await testdir({ 'recipes/good.yaml': good, 'not-a-cert.pem': 'hello\n' });
    const missing = await tczbuild(['fetch', '--ca-file', 'nope.pem'], { cwd: dir });
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('--ca-file nope.pem: cannot read it (ENOENT)')]);
    const bogus = await tczbuild(['fetch', '--ca-file', 'not-a-cert.pem'], { cwd: dir });
    expect([bogus.code, bogus.stderr]).toEqual([2, expect.stringContaining('--ca-file not-a-cert.pem: holds no PEM certificate')]);
  });
});

describe('did you mean, for commands and options', () => {
  it('names the command and the option most likely meant, exit 2', async () => {
    const dir = await testdir();
    const cmd = await tczbuild(['bild'], { cwd: dir });
    expect([cmd.code, cmd.stderr]).toEqual([2, 'tczbuild: unknown command "bild"; did you mean "build"? (tczbuild help lists them)\n']);
    const opt = await tczbuild(['build', '--arhc', 'x86'], { cwd: dir });
    expect([opt.code, opt.stderr]).toEqual([2, 'tczbuild build: unknown option --arhc; did you mean --arch? (tczbuild build --help lists them)\n']);
    // nothing close: clipanion's own answer
    expect((await tczbuild(['zzzzzz'], { cwd: dir })).stderr).toContain('Command not found');
  });

  it('--help after a command\'s arguments shows that command\'s help; a known command with a wrong argument is never "did you mean" itself', async () => {
    const dir = await testdir();
    for (const [argv, first] of [[['index', 'out', '--help'], 'Regenerate info.lst'], [['build', 'foo', '-h'], 'Build the named recipes'], [['kernel-config', 'check', 'x', '--help'], 'Check a kernel config']] as const) {
      const r = await tczbuild([...argv], { cwd: dir });
      expect([r.code, r.stdout.split('\n')[0]], argv.join(' ')).toEqual([0, expect.stringContaining(first)]);
    }
    const extra = await tczbuild(['index', 'out', 'extra'], { cwd: dir });
    expect(extra.code).toBe(2);
    expect(extra.stderr).not.toContain('did you mean "index"');
    expect(extra.stderr).toContain('tczbuild index [--json]');
  }, 30_000);
});
