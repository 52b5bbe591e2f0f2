/**
 * Core-scripts as a pinned input: a checkout handed in with the override and the archive
 * downloaded through the source cache are verified against one tree hash, a mismatch names both
 * hashes and the fix, the cache serves --offline runs, and offline with nothing at hand is one
 * clear error with exit 1. The checkout is the real one ($TCZBUILD_CORE_SCRIPTS); the archive is
 * built from it by `git archive` and served by a local HTTP server standing in for the forge.
 */
import { execFileSync } from 'node:child_process';
import { appendFile, chmod, cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCoreScripts } from '../../src/box/core-scripts.js';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import { isTczError } from '../../src/diagnostics/errors.js';
import { coreScripts } from '../../src/tinycore/core-scripts.js';
import { treeEntries, treeSha256 } from '../../src/util/tree-hash.js';
import { archiveName, coreScriptsCheckout, forgeArchive, mirrorDirWith } from '../helpers/core-scripts.js';
import { tczbuild } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { noNetrc } from '../helpers/no-netrc.js';

let archive: Buffer;
let server: FixtureServer;

beforeAll(async () => {
  archive = await forgeArchive(coreScriptsCheckout());
  server = await startFixtureServer({ [`/${archiveName}`]: { body: archive } });
});
afterAll(() => server?.close());

async function diagnosticOf(p: Promise<unknown>): Promise<{ id: string; message: string; hint?: string }> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  if (!isTczError(error)) throw new Error(`expected a diagnostic, got ${String(error)}`);
  return error.diagnostics[0]!;
}

describe('the Core-scripts pin', () => {
  it('is the tree hash of the checkout of the pinned commit, execute bits as git keeps them', async () => {
    const checkout = coreScriptsCheckout();
    expect(await treeSha256(checkout)).toBe(coreScripts.treeSha256);
    const modes = new Map((await treeEntries(checkout)).map((e) => [e.path, e.mode]));
    expect(modes.get('init')).toBe('100755');
    expect(modes.get('etc/init.d/tc-config')).toBe('100755');
    expect(modes.get('usr/bin/update-everything')).toBe('100644');
    expect(modes.get('etc/skel/.profile')).toBe('100644');
  });

  it("names the upstream repository's archive of that commit", () => {
    expect(coreScripts.url).toBe(`${coreScripts.repository}/archive/${coreScripts.commit}.tar.gz`);
  });
});

describe('resolveCoreScripts', () => {
  it('copies and verifies a checkout handed in with the override, with 0755/0644 modes', async () => {
    const into = join(await testdir(), 'core');
    const origin = await resolveCoreScripts({ env: noNetrc(), network: { env: noNetrc() }, into, override: { dir: coreScriptsCheckout(), from: '$TCZBUILD_CORE_SCRIPTS' }, cache: new SourceCache(await testdir()) });
    expect(origin).toBe('override');
    expect(await treeSha256(into)).toBe(coreScripts.treeSha256);
    expect((await stat(join(into, 'init'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(into, 'usr/bin/update-everything'))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(into, 'etc/init.d/tc-config'), 'utf8')).toBe(await readFile(join(coreScriptsCheckout(), 'etc/init.d/tc-config'), 'utf8'));
  });

  it('refuses a changed checkout, naming both tree hashes and the fix, and leaves nothing', async () => {
    const changed = await testdir();
    await cp(coreScriptsCheckout(), changed, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', changed]);
    await appendFile(join(changed, 'etc/init.d/tc-config'), '# local edit\n');
    const into = join(await testdir(), 'core');
    const d = await diagnosticOf(resolveCoreScripts({ env: noNetrc(), network: { env: noNetrc() }, into, override: { dir: changed, from: '$TCZBUILD_CORE_SCRIPTS' }, cache: new SourceCache(await testdir()) }));
    expect(d.id).toBe('core-scripts-mismatch');
    expect(d.message).toContain(`expected tree sha256: ${coreScripts.treeSha256}`);
    expect(d.message).toContain(`got tree sha256:      ${await treeSha256(changed)}`);
    expect(d.message).toContain(changed);
    expect(d.hint).toContain(`git checkout ${coreScripts.commit}`);
    await expect(stat(into)).rejects.toThrow();
  });

  it('a checkout where a file lost its execute bit does not match (the hash covers modes)', async () => {
    const changed = await testdir();
    await cp(coreScriptsCheckout(), changed, { recursive: true });
    await chmod(join(changed, 'usr/bin/tce-load'), 0o644);
    const d = await diagnosticOf(resolveCoreScripts({ env: noNetrc(), network: { env: noNetrc() }, into: join(await testdir(), 'core'), override: { dir: changed, from: '--dir' }, cache: new SourceCache(await testdir()) }));
    expect(d.id).toBe('core-scripts-mismatch');
  });

  it('downloads the pinned archive through a --source-mirror, verifies its tree, and serves --offline runs from the cache', async () => {
    const cache = new SourceCache(await testdir());
    const first = join(await testdir(), 'core');
    expect(await resolveCoreScripts({ env: noNetrc(), network: { env: noNetrc() }, into: first, cache, mirrors: [server.url] })).toBe('download');
    expect(server.requests).toContain(`/${archiveName}`);
    expect(await treeSha256(first)).toBe(coreScripts.treeSha256);
    expect((await stat(join(first, 'usr/bin/tce-load'))).mode & 0o777).toBe(0o755);
    const asked = server.requests.length;
    const second = join(await testdir(), 'core');
    expect(await resolveCoreScripts({ env: noNetrc(), network: { env: noNetrc() }, into: second, cache, offline: true })).toBe('cache');
    expect(server.requests.length).toBe(asked);
    expect(await treeSha256(second)).toBe(coreScripts.treeSha256);
  });

  it('refuses an archive whose tree differs from the pin and remembers nothing for it', async () => {
    const tampered = await forgeArchive(coreScriptsCheckout(), (dir) => appendFile(join(dir, 'usr/bin/tce-load'), 'echo extra\n'));
    const mirror = await mirrorDirWith(tampered);
    const cache = new SourceCache(await testdir());
    const d = await diagnosticOf(resolveCoreScripts({ env: noNetrc(), network: { env: noNetrc() }, into: join(await testdir(), 'core'), cache, mirrors: [mirror], offline: true }));
    expect(d.id).toBe('core-scripts-mismatch');
    expect(d.message).toMatch(new RegExp(`expected tree sha256: ${coreScripts.treeSha256}\\n {2}got tree sha256: {6}[0-9a-f]{64}`));
    expect(d.hint).toContain('TCZBUILD_CORE_SCRIPTS=DIR');
    await expect(stat(join(cache.dir, 'core-scripts', coreScripts.treeSha256))).rejects.toThrow();
  });

  it('offline with neither a checkout nor the cache: one error naming what is missing, the URL and the override', async () => {
    const d = await diagnosticOf(resolveCoreScripts({ env: noNetrc(), network: { env: noNetrc() }, into: join(await testdir(), 'core'), cache: new SourceCache(await testdir()), offline: true }));
    expect(d.id).toBe('core-scripts-unavailable');
    expect(d.message).toContain(coreScripts.url);
    expect(d.message).toContain(coreScripts.commit);
    expect(d.hint).toContain('TCZBUILD_CORE_SCRIPTS=DIR');
  });
});

describe('tczbuild core-scripts', () => {
  it('writes the verified tree --into a directory from $TCZBUILD_CORE_SCRIPTS', async () => {
    const dir = await testdir();
    const run = await tczbuild(['core-scripts', '--into', 'core', '--cache', 'cache'], { cwd: dir, env: { TCZBUILD_CORE_SCRIPTS: coreScriptsCheckout() } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`tree sha256 ${coreScripts.treeSha256}`);
    expect(await treeSha256(join(dir, 'core'))).toBe(coreScripts.treeSha256);
  });

  it('offline without Core-scripts exits 1 with the clear error, no stack trace', async () => {
    const dir = await testdir();
    const run = await tczbuild(['core-scripts', '--into', 'core', '--cache', 'cache', '--offline'], { cwd: dir, env: { TCZBUILD_CORE_SCRIPTS: '' } });
    expect(run.code).toBe(1);
    const out = run.stdout + run.stderr;
    expect(out).toContain('error[core-scripts-unavailable]');
    expect(out).toContain(coreScripts.url);
    expect(out).toContain('TCZBUILD_CORE_SCRIPTS=DIR');
    expect(out).not.toMatch(/^\s+at /m);
    await expect(stat(join(dir, 'core'))).rejects.toThrow();
  });

  it('without --into fills the cache from a mirror, so a later --offline run needs nothing else', async () => {
    const dir = await testdir();
    const env = { TCZBUILD_CORE_SCRIPTS: '' };
    expect((await tczbuild(['core-scripts', '--cache', 'cache', '--source-mirror', server.url], { cwd: dir, env })).code).toBe(0);
    const offline = await tczbuild(['core-scripts', '--cache', 'cache', '--offline', '--into', 'core'], { cwd: dir, env });
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('from the cache');
    expect(await treeSha256(join(dir, 'core'))).toBe(coreScripts.treeSha256);
  });
});
