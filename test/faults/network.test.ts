/**
 * Network faults seen through a whole build: a fixture server on 127.0.0.1 that resets, stalls,
 * truncates, errors, redirects in a loop or recovers after a few failures. Each test counts the
 * requests the server saw (retries are bounded), reads the diagnostic a user gets, and checks
 * that the source cache holds only complete, verified files (never a partial download).
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer, type Route } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { buildArtifacts, fillPlaceholders, sha256Of } from './helpers/artifacts.js';
import { buildInProcess, projectDirs, runTczbuild, type ProjectDirs } from './helpers/run.js';
import { filesUnder } from './helpers/tree-snapshot.js';

const template = join(import.meta.dirname, '..', 'fixtures', 'bad-recipes', 'network', 'recipes', 'fetchy.yaml');
const artifacts = await buildArtifacts();
const body = artifacts['other-1.0.tar.gz']!;
const path = '/flaky/other-1.0.tar.gz';
const fast = { timeoutMs: 300, retries: 2, backoffMs: 5, minRate: { bytesPerSec: 1000, windowMs: 400 } };
// For runs that must succeed in the end: a loaded machine can hold the event loop for longer
// than `fast`'s 300 ms, which turned the good third download into a fourth attempt.
const patient = { ...fast, timeoutMs: 2000, minRate: { bytesPerSec: 1000, windowMs: 2000 } };

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function project(route: Route): Promise<{ p: ProjectDirs; s: FixtureServer }> {
  const s = (server = await startFixtureServer({ [path]: route }));
  const p = projectDirs(await testdir());
  await mkdir(p.recipesDir, { recursive: true });
  const text = (await readFile(template, 'utf8')).replaceAll('@ROUTE@', 'flaky');
  await writeFile(join(p.recipesDir, 'fetchy.yaml'), fillPlaceholders(text, s.url, artifacts));
  return { p, s };
}

const hits = (s: FixtureServer, p = path): number => s.requests.filter((r) => r === p).length;

/** A handler that answers with `bad` for the first `failures` requests, then serves the body. */
function recoversAfter(failures: number, bad: 'reset' | 'truncate' | 'stall' | '503'): Route {
  let seen = 0;
  return {
    handler: (req, res) => {
      if (++seen > failures) return void res.writeHead(200, { 'content-length': body.length }).end(body);
      if (bad === 'reset') return void req.socket.destroy();
      if (bad === '503') return void res.writeHead(503).end('busy');
      res.writeHead(200, { 'content-length': body.length });
      if (bad === 'truncate') res.write(body.subarray(0, 100), () => req.socket.destroy());
      else res.write(body.subarray(0, 100));
    },
  };
}

describe('network faults during a build', () => {
  it.each(['reset', 'truncate', 'stall', '503'] as const)('recovers from two %s failures within the retry budget and caches only the verified file', async (bad) => {
    const { p, s } = await project(recoversAfter(2, bad));
    const r = await buildInProcess(p, patient);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    expect(hits(s)).toBe(3);
    expect(await filesUnder(p.cacheDir)).toEqual([`origins/${sha256Of(body)}`, `sha256/${sha256Of(body)}`]);
    expect(sha256Of(await readFile(join(p.cacheDir, 'sha256', sha256Of(body))))).toBe(sha256Of(body));
  }, 20_000);

  it.each([
    ['reset', { reset: true } as Route, /connection was reset|closed early|socket hang up/],
    ['truncate', { truncateAt: 700, body } as Route, /cut off after 700 of \d+ bytes/],
    // Only the idle timeout may end a stall: a loaded machine's late timer otherwise lets the
    // 400 ms rate window fire first and name the stall "too slow".
    ['stall', { stallAfter: 10, body } as Route, /stalled: no data for 300 ms after 10 of \d+ bytes/, { minRate: { bytesPerSec: 1000, windowMs: 60_000 } }],
    ['500', { status: 500, body: 'oops' } as Route, /HTTP 500/],
    // One byte every 50 ms never trips the 300 ms idle timeout: only the minimum rate ends it.
    // (and the idle timeout is long enough that a late 50 ms tick on a loaded machine cannot end it)
    ['trickle', { trickleEveryMs: 50, body } as Route, /too slow: \d+ bytes in the last 0\.4 s \(\d+ B\/s, after \d+ of \d+ bytes\), below the minimum of 1000 B\/s/, { timeoutMs: 60_000 }],
  ] as Array<[string, Route, RegExp, Partial<typeof fast>?]>)('gives up on a permanent %s after exactly retries+1 requests, says why, and leaves no partial file', async (_kind, route, why, only) => {
    const { p, s } = await project(route);
    const r = await buildInProcess(p, { ...fast, ...only });
    expect(r.code).toBe(1);
    expect(hits(s)).toBe(3);
    const d = r.diagnostics.find((x) => x.id === 'fetch-failed');
    expect(d?.message).toMatch(why);
    expect(d?.message).toContain('after 3 attempts');
    expect(d?.message).toContain(`${s.url}${path}`);
    expect({ file: d?.file, line: d?.line }).toEqual({ file: 'recipes/fetchy.yaml', line: 8 });
    expect(await filesUnder(p.cacheDir)).toEqual([]);
  }, 20_000);

  it('is bounded with the CLI defaults too: four requests for a server that always answers 503', async () => {
    const { p, s } = await project({ status: 503, body: 'busy' });
    const r = await runTczbuild(p, ['all']);
    expect(r.code).toBe(1);
    expect(hits(s)).toBe(4);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['fetch-failed']);
    expect(await filesUnder(p.cacheDir)).toEqual([]);
  }, 30_000);

  it('does not retry a 404 or a checksum mismatch', async () => {
    const { p, s } = await project({ status: 404 });
    expect((await buildInProcess(p, fast)).diagnostics.map((d) => d.id)).toEqual(['fetch-failed']);
    expect(hits(s)).toBe(1);
    s.route(path, { body: artifacts['hello-1.0.tar.gz']! });
    const r = await buildInProcess(p, fast);
    expect(r.diagnostics.map((d) => d.id)).toEqual(['checksum-mismatch']);
    expect(hits(s)).toBe(2);
    expect(await filesUnder(p.cacheDir)).toEqual([]);
  }, 20_000);

  it('stops following a redirect loop', async () => {
    const { p, s } = await project({ handler: (_req, res) => void res.writeHead(302, { location: path }).end() });
    const r = await buildInProcess(p, fast);
    expect(r.diagnostics[0]?.message).toMatch(/more than 5 redirects/);
    expect(hits(s)).toBe(6);
    expect(await filesUnder(p.cacheDir)).toEqual([]);
  }, 20_000);

  it('falls through a truncating --source-mirror to upstream and caches the verified file once', async () => {
    const { p, s } = await project({ body });
    const mirror = await startFixtureServer({ [`/sha256/${sha256Of(body)}`]: { truncateAt: 500, body } });
    try {
      const r = await runTczbuild(p, ['all', '--source-mirror', mirror.url]);
      expect(r.diagnostics).toEqual([]);
      expect(r.code).toBe(0);
      expect(mirror.requests.length).toBeGreaterThanOrEqual(1);
      expect(hits(s)).toBe(1);
      // Sources only: outputs/ is the output cache, which keeps the built extension.
      expect((await filesUnder(p.cacheDir)).filter((f) => !f.startsWith('outputs/'))).toEqual([`origins/${sha256Of(body)}`, `sha256/${sha256Of(body)}`]);
    } finally {
      await mirror.close();
    }
  }, 30_000);
});
