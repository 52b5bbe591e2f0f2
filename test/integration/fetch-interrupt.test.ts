/**
 * Interrupted downloads. kill -9: the cache must not hold an entry for the half-written file,
 * and the next fetch must clean up the dead process's temp file and succeed. Ctrl-C, SIGTERM
 * and SIGHUP during `tczbuild fetch`: the temp file goes on the way out, not at the next run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { startCli, killHard } from '../faults/helpers/spawn-cli.js';
import { recipeText } from '../helpers/recipe-text.js';
import { fetchSources } from '../../src/builder/fetch/fetch-sources.js';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { noNetrc } from '../helpers/no-netrc.js';

const payload = Buffer.alloc(256 * 1024, 'x');
const payloadSha = createHash('sha256').update(payload).digest('hex');

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function partFiles(cacheDir: string): Promise<string[]> {
  return (await readdir(join(cacheDir, 'tmp')).catch(() => [] as string[])).filter((n) => n.endsWith('.part'));
}

it('a download killed with SIGKILL leaves no cache entry, and the next fetch cleans up and succeeds', async () => {
  const server = await startFixtureServer({ '/big.tgz': { stallAfter: 4096, body: payload } });
  onTestFinished(() => server.close());
  const dir = await testdir();
  const cacheDir = join(dir, 'cache');
  const url = `${server.url}/big.tgz`;

  const child = spawn(process.execPath, ['--import', 'tsx', 'test/builder/fetch/fixtures/fetch-child.ts', cacheDir, url, payloadSha], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await waitFor(async () => {
    const [part] = await partFiles(cacheDir);
    return part !== undefined && (await stat(join(cacheDir, 'tmp', part))).size >= 4096;
  }, 20_000).catch((e: unknown) => {
    throw new Error(`child never wrote its temp file: ${String(e)}\n${stderr}`);
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const cache = new SourceCache(cacheDir);
  expect(await cache.has(payloadSha)).toBe(false);
  expect(await partFiles(cacheDir)).toHaveLength(1);

  server.route('/big.tgz', { body: payload });
  const spec = { id: 's', url, sha256: payloadSha, kind: 'file' as const, hashAt: {}, at: {} };
  const got = await fetchSources([spec], { cache, timeoutMs: 5_000, retries: 0, network: { env: noNetrc() } });
  expect(await readFile(got.get(spec)?.path ?? '')).toEqual(payload);
  expect(await partFiles(cacheDir)).toEqual([]);
});

it.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)('tczbuild fetch stopped by %s mid-download removes its .part file and exits %i', async (signal, code) => {
  const server = await startFixtureServer({ '/big.tgz': { stallAfter: 4096, body: payload } });
  onTestFinished(() => server.close());
  const dir = await testdir({ 'recipes/big.yaml': recipeText('big', `sources:\n  - url: ${server.url}/big.tgz\n    sha256: ${payloadSha}\n    install: { to: usr/local/share/big.tgz }\n`) });
  const cacheDir = join(dir, 'cache');
  const cli = startCli(['fetch', '--cache', cacheDir], dir);
  onTestFinished(() => killHard(cli));
  // the signal lands once the first bytes are on disk, the download still running
  await waitFor(async () => {
    const [part] = await partFiles(cacheDir);
    return part !== undefined && (await stat(join(cacheDir, 'tmp', part))).size >= 4096;
  }, 30_000);
  process.kill(cli.pid, signal);
  const exit = await cli.done;
  expect({ code: exit.code, signal: exit.signal }, exit.stderr).toEqual({ code, signal: null });
  expect(await partFiles(cacheDir)).toEqual([]);
  expect(await new SourceCache(cacheDir).has(payloadSha)).toBe(false);
}, 60_000);
