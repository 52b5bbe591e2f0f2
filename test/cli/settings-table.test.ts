/**
 * Issue 20: every command reads the project the same way. The table walks every command ×
 * shared option × source (flag, tczbuild.yaml, default) and checks the value the command
 * used, from the `settings` event each one emits with --json; a flag a command does not use is
 * refused with a reason (exit 2), never ignored. Then what `all` does with a tczbuild.yaml alone,
 * `serve --config`, `verify`, `verify --repro` and `index` do with it too.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild, type CliRun } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

type Option = 'out' | 'cache' | 'recipes' | 'overlays' | 'targets' | 'upstream';
type Source = 'flag' | 'config' | 'default';
const options: readonly Option[] = ['out', 'cache', 'recipes', 'overlays', 'targets', 'upstream'];

/** Each command, the arguments it needs to get past option parsing, and the shared options it uses. */
const commands: ReadonlyArray<{ name: string; args: string[]; uses: readonly Option[]; hasUpstreamFlag?: boolean }> = [
  { name: 'all', args: [], uses: options, hasUpstreamFlag: true },
  { name: 'build', args: ['nothing'], uses: options, hasUpstreamFlag: true },
  { name: 'explain', args: [], uses: ['out', 'cache', 'recipes', 'overlays', 'targets'] },
  { name: 'fetch', args: [], uses: ['cache', 'recipes', 'targets'] },
  { name: 'pin', args: ['--offline'], uses: ['cache', 'recipes', 'targets'] },
  { name: 'lint', args: [], uses: ['recipes', 'overlays', 'targets'] },
  { name: 'clean', args: [], uses: ['out', 'cache'] },
  { name: 'verify', args: [], uses: ['out', 'cache', 'recipes', 'overlays', 'targets'] },
  { name: 'index', args: [], uses: ['out', 'cache', 'targets', 'upstream'], hasUpstreamFlag: true },
  { name: 'serve', args: ['--print-nginx-config'], uses: ['out', 'cache', 'upstream'], hasUpstreamFlag: true },
  { name: 'test', args: ['--box', 'no-box.yaml'], uses: ['out', 'cache', 'recipes', 'targets', 'upstream'], hasUpstreamFlag: true },
];

const flags: Readonly<Record<Option, string[]>> = {
  out: ['--out', 'flag-out'],
  cache: ['--cache', 'flag-cache'],
  recipes: ['--recipes', 'flag-recipes'],
  overlays: ['--overlays', 'flag-overlays'],
  targets: ['--target', '15.x/x86_64'],
  upstream: ['--upstream', 'http://127.0.0.1:9/flag'],
};
const configText = 'out: cfg-out\ncache: cfg-cache\nrecipes: cfg-recipes\noverlays: cfg-overlays\ntargets: [15.x/aarch64]\nupstream: http://127.0.0.1:9/cfg\n';

function expected(dir: string, option: Option, source: Source): unknown {
  const table: Record<Source, Record<Option, unknown>> = {
    flag: { out: join(dir, 'flag-out'), cache: join(dir, 'flag-cache'), recipes: join(dir, 'flag-recipes'), overlays: join(dir, 'flag-overlays'), targets: ['15.x/x86_64'], upstream: 'http://127.0.0.1:9/flag' },
    config: { out: join(dir, 'cfg-out'), cache: join(dir, 'cfg-cache'), recipes: join(dir, 'cfg-recipes'), overlays: join(dir, 'cfg-overlays'), targets: ['15.x/aarch64'], upstream: 'http://127.0.0.1:9/cfg' },
    default: { out: join(dir, 'out'), cache: join(dir, 'xdg', 'tczbuild'), recipes: join(dir, 'recipes'), overlays: join(dir, 'rootfs-overlays'), targets: ['11.x/x86_64'], upstream: undefined },
  };
  return table[source][option];
}

type Used = Partial<Record<Option, { value: unknown; origin: string }>>;

function settingsOf(run: CliRun): Used {
  const e = run.events.find((x) => (x.data as { settings?: unknown } | undefined)?.settings !== undefined);
  expect(e, `no settings event in:\n${run.stdout}${run.stderr}`).toBeDefined();
  return (e!.data as { settings: Used }).settings;
}

const env = (dir: string): NodeJS.ProcessEnv => ({ XDG_CACHE_HOME: join(dir, 'xdg'), TCZBUILD_UPSTREAM: '', HOME: dir });

describe('every command × shared option × source', () => {
  describe.each(commands)('$name', (c) => {
    it.each(['flag', 'config', 'default'] as const)('uses each shared option from the %s', async (source) => {
      const dir = await testdir(source === 'default' ? {} : { 'tczbuild.yaml': configText });
      // From flags: every option the command uses (--upstream only where it has that option), over a tczbuild.yaml that says otherwise.
      const given = source === 'flag' ? c.uses.filter((o) => o !== 'upstream' || c.hasUpstreamFlag).flatMap((o) => flags[o]) : [];
      const run = await tczbuild([c.name, ...c.args, ...given, '--json'], { cwd: dir, env: env(dir) });
      const used = settingsOf(run);
      for (const option of options) {
        if (!c.uses.includes(option)) {
          expect(used[option], `${c.name} does not use ${option}`).toBeUndefined();
          continue;
        }
        const want = option === 'upstream' && source === 'flag' && !c.hasUpstreamFlag ? expected(dir, option, 'config') : expected(dir, option, source);
        expect(used[option]?.value, `${c.name} ${option} from ${source}`).toEqual(want);
      }
    });

    const refused = options.filter((o) => !c.uses.includes(o) && (o !== 'upstream' || c.hasUpstreamFlag));
    if (refused.length > 0) {
      it.each(refused)('refuses --%s with a reason (exit 2) instead of ignoring it', async (option) => {
        const dir = await testdir();
        const run = await tczbuild([c.name, ...c.args, ...flags[option]], { cwd: dir, env: env(dir) });
        expect(run.code).toBe(2);
        expect(run.stderr + run.stdout).toMatch(new RegExp(`${c.name} does not take ${option === 'targets' ? '--target' : `--${option}`}.*: \\w+`));
      });
    }
  });
});

describe('flags that were spelled differently or ignored', () => {
  it('serve: -q is accepted, a bad number exits 2, --cache-dir is taken with a note', async () => {
    const dir = await testdir({ 'out/11.x/x86_64/tcz/.keep': '' });
    expect((await tczbuild(['serve', '--port', 'eighty'], { cwd: dir, env: env(dir) })).code).toBe(2);
    expect((await tczbuild(['serve', '--idle-timeout', '-1'], { cwd: dir, env: env(dir) })).code).toBe(2);
    const quiet = await tczbuild(['serve', '-q', '--print-nginx-config'], { cwd: dir, env: env(dir) });
    expect(quiet.code).toBe(0);
    const old = await tczbuild(['serve', '--cache-dir', 'up', '--upstream', 'http://127.0.0.1:9/', '--print-nginx-config'], { cwd: dir, env: env(dir) });
    expect(old.code).toBe(0);
    expect(old.stdout + old.stderr).toMatch(/--cache-dir is now spelled --cache/);
    expect(old.stdout).toContain(join(dir, 'up', 'nginx'));
  });

  it('clean refuses --max-age and --max-size without --prune-cache', async () => {
    const dir = await testdir();
    for (const args of [['--max-age', '3'], ['--max-size', '1G']]) {
      const run = await tczbuild(['clean', ...args], { cwd: dir, env: env(dir) });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/only --prune-cache prunes/);
    }
  });

  it('test refuses a target other than its box\'s', async () => {
    const dir = await testdir({
      'box.yaml': 'name: b\ntarget: { tc-version: "11", arch: x86_64 }\nkernel: { url: "http://127.0.0.1:9/k", sha256: unpinned }\ninitrd: { url: "http://127.0.0.1:9/i", sha256: unpinned }\n',
    });
    const run = await tczbuild(['test', '--box', 'box.yaml', '--tc-version', '15'], { cwd: dir, env: env(dir) });
    // refused before any boot: either the box file is refused as it stands, or the target is
    expect(run.code).not.toBe(0);
    if (run.code === 2) expect(run.stderr).toMatch(/the box box\.yaml is 11\.x\/x86_64, not 15\.x\/x86_64/);
  });
});

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('with only a tczbuild.yaml, serve --config, verify, verify --repro and index do what all does', () => {
  let dir: string;
  beforeAll(async () => {
    // Nothing at a default place: recipes, overlays, out, cache and the source mirror are all named by the file.
    dir = await testdir({
      'proj/tczbuild.yaml': 'recipes: rcp\noverlays: ov\nout: ../mirror\ncache: ../c\nsource-mirrors: [vendor]\n',
      'proj/rcp/demo.yaml': 'name: demo\nversion: "1.0"\ndescription: a demo\nauthor: me\noriginal-site: http://127.0.0.1/\ncopying-policy: MIT\noverlays: [demo]\n',
      'proj/ov/demo/usr/local/share/demo/hello.txt': 'hello\n',
    }, { keep: true });
    const proj = join(dir, 'proj');
    await mkdir(join(proj, 'src/pkg/bin'), { recursive: true });
    await writeFile(join(proj, 'src/pkg/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
    await mkdir(join(proj, 'vendor'));
    await execa('tar', ['-C', join(proj, 'src'), '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-czf', join(proj, 'vendor/tool.tar.gz'), 'pkg']);
    const { readFile } = await import('node:fs/promises');
    const tarSha = sha(await readFile(join(proj, 'vendor/tool.tar.gz')));
    await writeFile(
      join(proj, 'rcp/tool.yaml'),
      ['name: tool', 'version: "2.0"', 'description: a tool', 'author: me', 'original-site: http://127.0.0.1/', 'copying-policy: MIT', 'sources:', '  - url: http://127.0.0.1:9/dl/tool.tar.gz', `    sha256: ${tarSha}`, '    extract: { strip: 1, into: usr/local }', ''].join('\n'),
    );
    const built = await tczbuild(['all', '--json'], { cwd: proj, env: env(dir) });
    expect(built.code, built.stdout + built.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('verify checks the out: the file names and finds no error', async () => {
    const run = await tczbuild(['verify', '--json'], { cwd: join(dir, 'proj'), env: env(dir) });
    expect(diagnosticsOf(run).filter((d) => d.severity === 'error')).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.events.find((e) => e.type === 'result')).toMatchObject({ extensions: 2, errors: 0 });
  });

  it('verify --repro rebuilds from the file\'s recipes, overlays, cache and source mirror, and matches', async () => {
    const run = await tczbuild(['verify', '--repro', '--offline', '--json'], { cwd: join(dir, 'proj'), env: env(dir) });
    expect(diagnosticsOf(run).map((d) => d.id)).not.toContain('fetch-offline-missing');
    expect(diagnosticsOf(run).map((d) => d.id)).not.toContain('overlay-missing');
    expect(diagnosticsOf(run).filter((d) => d.severity === 'error')).toEqual([]);
    expect(run.code).toBe(0);
  }, 120_000);

  it('index rewrites the indexes of the out: the file names', async () => {
    const run = await tczbuild(['index', '--json'], { cwd: join(dir, 'proj'), env: env(dir) });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`indexed 2 extension(s) in ${join(dir, 'mirror', '11.x', 'x86_64', 'tcz')}`);
  });

  it('serve --config FILE serves the out: that file names', async () => {
    const run = await tczbuild(['serve', '--config', join(dir, 'proj', 'tczbuild.yaml'), '--print-nginx-config'], { cwd: dir, env: env(dir) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`root ${join(dir, 'mirror')}`);
  });
});
