/**
 * The bad-input corpus: every case in bad-input-cases.ts runs against a copy of a project whose
 * out/ was built from a good recipe. Each must fail with its diagnostic (id, file, line,
 * column and wording), a non-zero exit, out/ byte-for-byte as it was (paths, modes, bytes),
 * nothing left beside out/ (lock, half-built trees) and no partial file in the cache.
 */
import { cp, mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { startFixtureServer, type FixtureServer, type Route } from '../helpers/fixture-server.js';
import { badCases, type BadCase } from './bad-input-cases.js';
import { buildArtifacts, fillPlaceholders, type Artifacts } from './helpers/artifacts.js';
import { enterEnvironment } from './helpers/environments.js';
import { buildInProcess, Capture, projectDirs, runTczbuild, testEnv, type ProjectDirs, type RunResult } from './helpers/run.js';
import { filesUnder, leftoversBeside, snapshotTree } from './helpers/tree-snapshot.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'bad-recipes');

let server: FixtureServer;
let artifacts: Artifacts;
let root: string;
let baseline: ProjectDirs;

/** Copy a fixture's recipes/ and rootfs-overlays/ into a project, filling placeholders. */
async function addFixture(p: ProjectDirs, fixture: string, extra: Record<string, string> = {}): Promise<void> {
  for (const sub of ['recipes', 'rootfs-overlays'] as const) {
    const from = join(fixtures, fixture, sub);
    if (!existsSync(from)) continue;
    for (const rel of await filesUnder(from)) {
      let text = await readFile(join(from, rel), 'utf8');
      for (const [k, v] of Object.entries(extra)) text = text.replaceAll(k, v);
      const dest = join(p.dir, sub, rel);
      await mkdir(join(dest, '..'), { recursive: true });
      await writeFile(dest, sub === 'recipes' ? fillPlaceholders(text, server.url, artifacts) : text);
    }
  }
}

beforeAll(async () => {
  artifacts = await buildArtifacts();
  const routes: Record<string, Route> = {};
  for (const [name, bytes] of Object.entries(artifacts)) routes[`/${name}`] = { body: bytes };
  server = await startFixtureServer(routes);
  root = await mkdtemp(join(tmpdir(), 'tczbuild-badinput-'));
  baseline = projectDirs(join(root, 'baseline'));
  await addFixture(baseline, '_baseline');
  const built = await runTczbuild(baseline, ['all']);
  expect(built.stderr).toBe('');
  expect(built.code).toBe(0);
  expect(await readdir(join(baseline.outDir, '11.x/x86_64/tcz'))).toContain('hello.tcz');
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function runCase(c: BadCase, p: ProjectDirs): Promise<RunResult> {
  const extra: Record<string, string> = {};
  if (c.artifact) extra['@ARTIFACT@'] = c.artifact;
  if (c.route) {
    extra['@ROUTE@'] = c.name;
    server.route(`/${c.name}/other-1.0.tar.gz`, c.route(artifacts['other-1.0.tar.gz']!));
  }
  await addFixture(p, c.fixture, extra);
  const entered = c.environment ? await enterEnvironment(c.environment, p.outDir, p.dir, testEnv) : undefined;
  const env = entered?.env ?? testEnv;
  try {
    // The CLI cannot shorten fetch timeouts; network cases call buildAll as `all` does.
    return c.route ? await buildInProcess(p, { timeoutMs: 300, retries: 2, backoffMs: 5, minRate: { bytesPerSec: 1000, windowMs: 400 } }, env) : await runTczbuild(p, ['all'], env);
  } finally {
    await entered?.undo();
  }
}

describe('bad input: a clear error at its position, a non-zero exit and out/ unchanged', () => {
  it('has at least 30 cases with distinct names', () => {
    expect(badCases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(badCases.map((c) => c.name)).size).toBe(badCases.length);
  });

  // side by side: each case has its own project, route and environment (a changed PATH is handed
  // to its run, never set on process.env), so no case can see another's state
  it.concurrent.each(badCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const p = projectDirs(join(root, c.name));
    await cp(baseline.dir, p.dir, { recursive: true, verbatimSymlinks: true });
    const before = await snapshotTree(p.outDir);

    const result = await runCase(c, p);

    const file = c.expect.file === 'OUT' ? p.outDir : c.expect.file;
    const found = result.diagnostics.find((d) => d.id === c.expect.id);
    expect(found, `diagnostics: ${JSON.stringify(result.diagnostics, null, 1)}\nstderr: ${result.stderr}`).toBeDefined();
    expect({ file: found!.file, line: found!.line, col: found!.col }).toEqual({ file, line: c.expect.line, col: c.expect.col });
    expect(found!.message, found!.message).toMatch(c.expect.message);
    expect(found!.severity).toBe('error');
    expect(found!.hint ?? '').not.toBe('');
    expect(result.diagnostics.map((d) => d.id)).not.toContain('internal-error');
    expect(result.code).toBe(1);

    expect(await snapshotTree(p.outDir)).toEqual(before);
    expect(await leftoversBeside(p.outDir)).toEqual([]);
    expect(await filesUnder(join(p.cacheDir, 'tmp'))).toEqual([]);
    if (c.requests !== undefined) expect(server.requests.filter((r) => r === `/${c.name}/other-1.0.tar.gz`)).toHaveLength(c.requests);
    // Hostile archives name these; staging must not have written them on the build machine.
    for (const victim of ['/etc/evil', '/etc/cron.d/evil']) expect(existsSync(victim)).toBe(false);
  }, 30_000);
});

describe('what the corpus does not refuse, and how errors read', () => {
  it('builds with a dependency that is neither a recipe nor known upstream, warning at the depends entry', async () => {
    const p = projectDirs(join(root, 'dependency-unknown'));
    await cp(baseline.dir, p.dir, { recursive: true, verbatimSymlinks: true });
    await addFixture(p, 'dependency-unknown');
    const r = await runTczbuild(p, ['all']);
    expect(r.code).toBe(0);
    // Upstream may serve any name, so this is a warning (verify fails the mirror unless --allow-upstream).
    expect(r.diagnostics).toEqual([expect.objectContaining({ id: 'dependency-missing', severity: 'warning', file: 'recipes/other.yaml', line: 7, col: 11 })]);
    expect(await readFile(join(p.outDir, '11.x/x86_64/tcz/other.tcz.dep'), 'utf8')).toBe('no-such-extension-anywhere.tcz\n');
  }, 30_000);

  it('prints file:line:col error[id]: message and an indented hint on stderr without --json', async () => {
    const p = projectDirs(join(root, 'text-format'));
    await cp(baseline.dir, p.dir, { recursive: true, verbatimSymlinks: true });
    await addFixture(p, 'unknown-key-top');
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(['all', '--recipes', p.recipesDir, '--out', p.outDir, '--cache', p.cacheDir], { stdin: process.stdin, stdout, stderr, cwd: p.dir, env: testEnv, colorDepth: 1 });
    expect(code).toBe(1);
    expect(stderr.text).toMatch(/^recipes\/other\.yaml:7:1:? error\[unknown-key\]: unknown key "homepage" in recipe\n {2}hint: \S/m);
  }, 30_000);
});
