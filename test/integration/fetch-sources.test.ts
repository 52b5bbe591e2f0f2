/**
 * fetchSources against a real HTTP server on 127.0.0.1 that misbehaves on request. Each case
 * checks what a user sees (the diagnostic id, position and wording), what the server saw
 * (request counts prove caching and bounded retries) and that the cache never keeps a partial
 * file.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchAndHash, fetchSources, preflightSources, type FetchOptions } from '../../src/builder/fetch/fetch-sources.js';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import { collectingReporter } from '../../src/report/reporter.js';
import { TczError } from '../../src/diagnostics/errors.js';
import type { SourceSpec } from '../../src/recipe/model.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { noNetrc } from '../helpers/no-netrc.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const payload = Buffer.from('tarball bytes '.repeat(4096));
const payloadSha = sha(payload);

let servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(routes: Parameters<typeof startFixtureServer>[0] = {}): Promise<FixtureServer> {
  const s = await startFixtureServer(routes);
  servers.push(s);
  return s;
}

function spec(url: string, sha256: string | null, line = 7): SourceSpec {
  return {
    id: 'src0',
    url,
    sha256,
    kind: 'archive',
    extract: { strip: 1, into: '/usr/local' },
    hashAt: { file: 'recipes/demo.yaml', line, col: 13 },
    at: { file: 'recipes/demo.yaml', line: line - 1, col: 5 },
  };
}

async function setup(): Promise<{ dir: string; cache: SourceCache; opts: FetchOptions }> {
  const dir = await testdir();
  const cache = new SourceCache(join(dir, 'cache'));
  return { dir, cache, opts: { cache, timeoutMs: 2_000, retries: 2, backoffMs: 5, network: { env: noNetrc() } } };
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

async function failure(p: Promise<unknown>): Promise<TczError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TczError);
  return error as TczError;
}

describe('fetchSources over HTTP', () => {
  it('downloads, verifies, stores by hash, and serves a second build from the cache without the network', async () => {
    const s = await server({ '/demo-1.0.tar.gz': { body: payload } });
    const { cache, opts } = await setup();
    const reporter = collectingReporter();
    const src = spec(`${s.url}/demo-1.0.tar.gz`, payloadSha);
    const first = await fetchSources([src], { ...opts, reporter });
    const got = first.get(src);
    expect(got).toEqual({ spec: src, sha256: payloadSha, size: payload.length, path: cache.pathFor(payloadSha) });
    expect(await readFile(got?.path ?? '')).toEqual(payload);
    const progress = reporter.events.filter((e) => e.type === 'download-progress');
    expect(progress.at(-1)).toEqual({ type: 'download-progress', url: src.url, received: payload.length, total: payload.length, done: true });

    const second = await fetchSources([src], opts);
    expect(second.get(src)?.path).toBe(cache.pathFor(payloadSha));
    expect(s.requests).toEqual(['/demo-1.0.tar.gz']);
  });

  it('reports progress to the end when the server sends no Content-Length', async () => {
    const s = await server({
      '/chunked.tgz': {
        handler: (_req, res) => {
          res.writeHead(200);
          res.write(payload.subarray(0, 1000));
          setTimeout(() => res.end(payload.subarray(1000)), 20);
        },
      },
    });
    const { opts } = await setup();
    const reporter = collectingReporter();
    const src = spec(`${s.url}/chunked.tgz`, payloadSha);
    await fetchSources([src], { ...opts, reporter });
    const progress = reporter.events.filter((e) => e.type === 'download-progress');
    expect(progress[0]).toEqual({ type: 'download-progress', url: src.url, received: 0 });
    expect(progress.at(-1)).toEqual({ type: 'download-progress', url: src.url, received: payload.length, done: true });
    expect(new Set(progress.map((e) => JSON.stringify(e))).size).toBe(progress.length);
  });

  it('re-fetches when the cache entry is corrupt', async () => {
    const s = await server({ '/demo.tgz': { body: payload } });
    const { cache, opts } = await setup();
    const src = spec(`${s.url}/demo.tgz`, payloadSha);
    await fetchSources([src], opts);
    await writeFile(cache.pathFor(payloadSha), 'flipped bits');
    const again = await fetchSources([src], opts);
    expect(await readFile(again.get(src)?.path ?? '')).toEqual(payload);
    expect(s.requests).toEqual(['/demo.tgz', '/demo.tgz']);
  });

  it('reports a mismatch at the hash line with URL, expected and got, and keeps nothing', async () => {
    const s = await server({ '/demo.tgz': { body: 'not what was pinned' } });
    const { dir, opts } = await setup();
    const src = spec(`${s.url}/demo.tgz`, payloadSha, 12);
    const error = await failure(fetchSources([src], opts));
    expect(error.diagnostics).toHaveLength(1);
    const d = error.diagnostics[0];
    expect(d).toMatchObject({ id: 'checksum-mismatch', file: 'recipes/demo.yaml', line: 12, col: 13 });
    expect(d?.message).toContain(src.url);
    expect(d?.message).toContain(`expected: ${payloadSha}`);
    expect(d?.message).toContain(`got:      ${sha('not what was pinned')}`);
    expect(d?.hint).toContain(`sha256: ${sha('not what was pinned')}`);
    expect(d?.hint).toContain('recipes/demo.yaml:12');
    expect(s.requests).toEqual(['/demo.tgz']); // a mismatch is not retried
    expect(await filesIn(dir)).toEqual([]);
  });

  it('tries mirrors in order, by hash then by name, falling through failures and mismatches to upstream', async () => {
    const upstream = await server({ '/dl/demo.tgz': { body: payload } });
    const broken = await server({ [`/sha256/${payloadSha}`]: { status: 500 } });
    const wrong = await server({ '/demo.tgz': { body: 'stale mirror copy' } });
    const { dir, opts } = await setup();
    const src = spec(`${upstream.url}/dl/demo.tgz`, payloadSha);
    const got = await fetchSources([src], { ...opts, retries: 0, mirrors: [broken.url, `${wrong.url}/`] });
    expect(await readFile(got.get(src)?.path ?? '')).toEqual(payload);
    expect(broken.requests).toEqual([`/sha256/${payloadSha}`, '/demo.tgz']);
    expect(wrong.requests).toEqual([`/sha256/${payloadSha}`, '/demo.tgz']);
    expect(upstream.requests).toEqual(['/dl/demo.tgz']);
    expect(await filesIn(join(dir, 'cache'))).toEqual([`origins/${payloadSha}`, `sha256/${payloadSha}`]);
    expect(await readFile(join(dir, 'cache', 'origins', payloadSha), 'utf8')).toBe(`${upstream.url}/dl/demo.tgz\n`);
  });

  it('uses a good mirror without touching upstream', async () => {
    const upstream = await server({ '/demo.tgz': { body: payload } });
    const mirror = await server({ '/demo.tgz': { body: payload } });
    const { opts } = await setup();
    const src = spec(`${upstream.url}/demo.tgz`, payloadSha);
    await fetchSources([src], { ...opts, mirrors: [mirror.url] });
    expect(mirror.requests).toEqual([`/sha256/${payloadSha}`, '/demo.tgz']);
    expect(upstream.requests).toEqual([]);
  });

  it('takes sources from a directory mirror, by name or by sha256/<hex>', async () => {
    const other = Buffer.from('second source');
    const mirror = await testdir({ 'demo.tgz': payload, [`sha256/${sha(other)}`]: other });
    const { opts } = await setup();
    const a = spec('http://127.0.0.1:9/unreachable/demo.tgz', payloadSha);
    const b = { ...spec('http://127.0.0.1:9/unreachable/other.bin', sha(other)), id: 'src1' };
    const got = await fetchSources([a, b], { ...opts, mirrors: [mirror] });
    expect(await readFile(got.get(a)?.path ?? '')).toEqual(payload);
    expect(await readFile(got.get(b)?.path ?? '')).toEqual(other);
  });

  it('fetches file:// URLs', async () => {
    const dir = await testdir({ 'local/demo.tgz': payload });
    const { opts } = await setup();
    const src = spec(pathToFileURL(join(dir, 'local/demo.tgz')).href, payloadSha);
    const got = await fetchSources([src], opts);
    expect(await readFile(got.get(src)?.path ?? '')).toEqual(payload);
  });

  it('offline: fails before any download and lists every missing URL and hash at its position', async () => {
    const s = await server({ '/a.tgz': { body: payload }, '/b.tgz': { body: 'b' }, '/c.tgz': { body: 'c' } });
    const { cache, opts } = await setup();
    const a = spec(`${s.url}/a.tgz`, payloadSha, 7);
    await fetchSources([a], opts);
    const b = { ...spec(`${s.url}/b.tgz`, sha('b'), 17), id: 'src1' };
    const c = { ...spec(`${s.url}/c.tgz`, sha('c'), 27), id: 'src2' };
    const error = await failure(fetchSources([a, b, c], { ...opts, offline: true }));
    expect(error.diagnostics.map((d) => [d.id, d.line])).toEqual([
      ['fetch-offline-missing', 16],
      ['fetch-offline-missing', 26],
    ]);
    expect(error.diagnostics[0]?.message).toContain(`${b.url} sha256 ${sha('b')}`);
    expect(error.diagnostics[1]?.message).toContain(`${c.url} sha256 ${sha('c')}`);
    expect(s.requests).toEqual(['/a.tgz']);
    expect(await cache.has(sha('b'))).toBe(false);
  });

  it('offline: a cached source and a local mirror are enough', async () => {
    const mirror = await testdir({ 'b.tgz': 'b' });
    const { opts } = await setup();
    const b = spec('http://127.0.0.1:9/b.tgz', sha('b'));
    const got = await fetchSources([b], { ...opts, offline: true, mirrors: [mirror] });
    expect(got.get(b)?.sha256).toBe(sha('b'));
  });

  it('refuses unpinned sources, naming the recipe line and the fix, before downloading anything', async () => {
    const s = await server({ '/demo.tgz': { body: payload } });
    const { opts } = await setup();
    const pinned = spec(`${s.url}/demo.tgz`, payloadSha, 7);
    const unpinned = { ...spec(`${s.url}/other.tgz`, null, 20), id: 'src1' };
    const error = await failure(fetchSources([pinned, unpinned], opts));
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]).toMatchObject({ id: 'source-hash-missing', file: 'recipes/demo.yaml', line: 20 });
    expect(error.diagnostics[0]?.message).toContain(unpinned.url);
    expect(error.diagnostics[0]?.hint).toContain('tczbuild pin');
    expect(s.requests).toEqual([]);
  });

  it('preflight lists unpinned and offline-missing sources together, sorted by position, without network', async () => {
    const s = await server({ '/a.tgz': { body: payload } });
    const { opts } = await setup();
    const missing = spec(`${s.url}/a.tgz`, payloadSha, 30);
    const unpinned = { ...spec(`${s.url}/b.tgz`, null, 10), id: 'src1' };
    const error = await failure(preflightSources([missing, unpinned], { ...opts, offline: true }));
    expect(error.diagnostics.map((d) => [d.id, d.line])).toEqual([
      ['source-hash-missing', 10],
      ['fetch-offline-missing', 29],
    ]);
    await expect(preflightSources([missing], opts)).resolves.toBeUndefined();
    expect(s.requests).toEqual([]);
  });

  it('rejects a mirror with an unsupported scheme', async () => {
    const { opts } = await setup();
    const error = await failure(fetchSources([], { ...opts, mirrors: ['ftp://old.example/pub'] }));
    expect(error.diagnostics[0]).toMatchObject({ id: 'invalid-value' });
    expect(error.diagnostics[0]?.message).toContain('--source-mirror ftp://old.example/pub');
  });

  it('an unsupported URL scheme is a fetch failure at the source', async () => {
    const { opts } = await setup();
    const error = await failure(fetchSources([spec('ftp://old.example/pub/demo.tgz', payloadSha, 5)], opts));
    expect(error.diagnostics[0]).toMatchObject({ id: 'fetch-failed', line: 4 });
    expect(error.diagnostics[0]?.message).toContain('unsupported URL scheme');
    await expect(fetchAndHash('ftp://old.example/pub/demo.tgz', opts)).rejects.toBeInstanceOf(TczError);
  });

  it('fetchAndHash downloads without an expected hash and stores the result', async () => {
    const s = await server({ '/new.tgz': { body: payload } });
    const { cache, opts } = await setup();
    const entry = await fetchAndHash(`${s.url}/new.tgz`, opts);
    expect(entry).toEqual({ sha256: payloadSha, size: payload.length, path: cache.pathFor(payloadSha) });
  });
});

describe('fetchSources network faults', () => {
  async function expectFetchFailed(route: Parameters<FixtureServer['route']>[1], extra: Partial<FetchOptions> = {}) {
    const s = await server({ '/demo.tgz': route });
    const { dir, opts } = await setup();
    const src = spec(`${s.url}/demo.tgz`, payloadSha, 9);
    const error = await failure(fetchSources([src], { ...opts, ...extra }));
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]).toMatchObject({ id: 'fetch-failed', file: 'recipes/demo.yaml', line: 8 });
    expect(error.diagnostics[0]?.message).toContain(src.url);
    expect(await filesIn(dir)).toEqual([]);
    return { message: error.diagnostics[0]?.message ?? '', requests: s.requests };
  }

  it('404: says so and does not retry', async () => {
    const { message, requests } = await expectFetchFailed({ status: 404 });
    expect(message).toContain('HTTP 404');
    expect(requests).toHaveLength(1);
  });

  it('500 then success: retried and stored', async () => {
    let calls = 0;
    const s = await server({
      '/demo.tgz': {
        handler: (_req, res) => {
          calls++;
          if (calls === 1) res.writeHead(500).end('busy');
          else res.writeHead(200, { 'content-length': payload.length }).end(payload);
        },
      },
    });
    const { opts } = await setup();
    const src = spec(`${s.url}/demo.tgz`, payloadSha);
    const got = await fetchSources([src], opts);
    expect(await readFile(got.get(src)?.path ?? '')).toEqual(payload);
    expect(s.requests).toHaveLength(2);
  });

  it('500 forever: gives up after the configured retries', async () => {
    const { message, requests } = await expectFetchFailed({ status: 500 }, { retries: 2 });
    expect(message).toContain('HTTP 500');
    expect(message).toContain('after 3 attempts');
    expect(requests).toHaveLength(3);
  });

  it('connection reset: bounded retries, clear message', async () => {
    const { message, requests } = await expectFetchFailed({ reset: true }, { retries: 1 });
    expect(message).toMatch(/reset|closed early|socket hang up/);
    expect(requests).toHaveLength(2);
  });

  it('truncated body: reported with the byte count, nothing cached', async () => {
    const { message, requests } = await expectFetchFailed({ truncateAt: 1000, body: payload }, { retries: 1 });
    expect(message).toContain(`cut off after 1000 of ${payload.length} bytes`);
    expect(requests).toHaveLength(2);
  });

  it('stall past the idle timeout: fails fast with the timeout in the message', async () => {
    const started = Date.now();
    const { message, requests } = await expectFetchFailed({ stallAfter: 500, body: payload }, { timeoutMs: 150, retries: 1 });
    expect(message).toContain('stalled: no data for 150 ms after 500');
    expect(requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a server that never answers times out before the headers', async () => {
    const { message, requests } = await expectFetchFailed({ handler: () => undefined }, { timeoutMs: 150, retries: 1 });
    expect(message).toContain('no response within 150 ms');
    expect(requests).toHaveLength(2);
  });

  it('follows redirects, but not forever', async () => {
    const s = await server({
      '/old.tgz': { handler: (_req, res) => res.writeHead(302, { location: '/new.tgz' }).end() },
      '/new.tgz': { body: payload },
      '/loop': { handler: (_req, res) => res.writeHead(301, { location: '/loop' }).end() },
    });
    const { opts } = await setup();
    const src = spec(`${s.url}/old.tgz`, payloadSha);
    expect((await fetchSources([src], opts)).get(src)?.sha256).toBe(payloadSha);
    const loop = spec(`${s.url}/loop`, sha('loop'));
    const error = await failure(fetchSources([loop], opts));
    expect(error.diagnostics[0]?.message).toContain('more than 5 redirects');
  });

  it('refuses a body over the size limit without retrying', async () => {
    const { message, requests } = await expectFetchFailed({ body: payload }, { maxBytes: 1024 });
    expect(message).toContain('limit of 1024');
    expect(requests).toHaveLength(1);
  });

  it('reports every failed source at once, each at its own position', async () => {
    const s = await server({ '/ok.tgz': { body: payload }, '/gone.tgz': { status: 404 } });
    const { dir, opts } = await setup();
    await mkdir(join(dir, 'x'), { recursive: true });
    const ok = spec(`${s.url}/ok.tgz`, payloadSha, 7);
    const gone = { ...spec(`${s.url}/gone.tgz`, sha('gone'), 17), id: 'src1' };
    const bad = { ...spec(`${s.url}/ok.tgz`, sha('other'), 27), id: 'src2' };
    const error = await failure(fetchSources([ok, gone, bad], opts));
    expect(error.diagnostics.map((d) => [d.id, d.line])).toEqual([
      ['fetch-failed', 16],
      ['checksum-mismatch', 27],
    ]);
  });
});
