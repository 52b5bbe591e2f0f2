/**
 * `serve --upstream` against upstreams that need credentials, redirect, change, or encode what
 * they send. Real servers on 127.0.0.1 play the upstream (and an internal service a redirect
 * points at); the mirror is the real server with the real upstream cache. What a user checks:
 * the bytes and status a box gets, what each upstream was sent (Authorization, If-None-Match),
 * and that no password reaches a client, a log line or a cache path.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startMirrorServer, type MirrorServer } from '../../src/mirror/server.js';
import { createUpstreamCache, upstreamCacheDirFor, type UpstreamOptions } from '../../src/mirror/upstream-cache.js';
import { isInternalHost, upstreamOrigin } from '../../src/mirror/upstream-origin.js';
import { httpGet } from '../../src/util/http/request.js';
import type { UpstreamOriginOptions } from '../../src/mirror/upstream-origin.js';
import { startFixtureServer, type FixtureServer, type Route } from '../helpers/fixture-server.js';
import { makeGoodMirror, type FixtureMirror } from '../mirror/fixture-mirror.js';
import { noNetrc } from '../helpers/no-netrc.js';

const dir = '/11.x/x86_64/tcz';
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const password = 'pw-Zq8!x7#secret';
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function upstreamServer(routes: Record<string, Route> = {}): Promise<FixtureServer> {
  const s = await startFixtureServer(routes);
  cleanups.push(() => s.close());
  return s;
}

interface Mirror {
  readonly server: MirrorServer;
  readonly mirror: FixtureMirror;
  readonly cacheDir: string;
  readonly logs: string[];
  get(name: string): Promise<{ status: number; body: Buffer }>;
}

/** No proxy, no private CA: every connection is the test's own, and so is every address it resolves. */
const direct = { env: noNetrc() };

/** The real mirror server over a good out/, falling through to `upstream`. */

async function mirrorOf(upstream: string, { origin, ...o }: Partial<Omit<UpstreamOptions, 'origin'>> & { origin?: Partial<UpstreamOriginOptions> } = {}): Promise<Mirror> {
  const mirror = await makeGoodMirror();
  const cacheDir = await mkdtemp(join(tmpdir(), 'tczbuild-upcache-'));
  const logs: string[] = [];
  const server = await startMirrorServer({ root: mirror.out, upstream: createUpstreamCache({ upstream, cacheDir, localRoot: mirror.out, log: (l) => logs.push(l), ...o, origin: { network: direct, ...origin } }) });
  cleanups.push(async () => {
    await server.close(100);
    await rm(mirror.out, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });
  const get = async (name: string): Promise<{ status: number; body: Buffer }> => {
    const r = await fetch(`${server.url}${dir}/${name}`);
    return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
  };
  return { server, mirror, cacheDir, logs, get };
}

/** Every file name and every byte under a directory, as one text to search for a secret. */
async function everything(root: string): Promise<string> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return [...files, ...(await Promise.all(files.map((f) => readFile(f, 'latin1'))))].join('\n');
}

/** A handler that records the Authorization header of each request, then answers with `route`. */
function recording(seen: Array<string | undefined>, answer: (req: IncomingMessage, res: ServerResponse) => void): Route {
  return { handler: (req, res) => (seen.push(req.headers.authorization), answer(req, res)) };
}

describe('serve --upstream with credentials in the URL', () => {
  const tcz = Buffer.alloc(50_000, 7);

  it('sends them as Basic auth to the upstream, serves the file, and keeps them out of the cache', async () => {
    const seen: Array<string | undefined> = [];
    const needsAuth = (body: Buffer | string) =>
      recording(seen, (req, res) => {
        if (req.headers.authorization !== basic('alice', password)) return void res.writeHead(401).end('no');
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
      });
    const up = await upstreamServer({ [`${dir}/private.tcz`]: needsAuth(tcz), [`${dir}/private.tcz.md5.txt`]: needsAuth(`${md5(tcz)}  private.tcz\n`) });
    const withCredentials = up.url.replace('http://', `http://alice:${encodeURIComponent(password)}@`);
    const m = await mirrorOf(withCredentials);
    const r = await m.get('private.tcz');
    expect(r.status).toBe(200);
    expect(r.body.equals(tcz)).toBe(true);
    expect(seen).toEqual([basic('alice', password), basic('alice', password)]);
    // one cache per upstream whatever credentials reach it; no password in a path or a file
    expect(upstreamCacheDirFor(m.cacheDir, withCredentials)).toBe(upstreamCacheDirFor(m.cacheDir, up.url));
    for (const secret of [password, encodeURIComponent(password), 'alice']) expect(await everything(m.cacheDir)).not.toContain(secret);
  });

  it('takes them from the netrc file for the upstream host (no userinfo in --upstream), and shows them nowhere', async () => {
    const seen: Array<string | undefined> = [];
    const needsAuth = (body: Buffer | string) =>
      recording(seen, (req, res) => {
        if (req.headers.authorization !== basic('dave', password)) return void res.writeHead(401).end('no');
        res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
      });
    const up = await upstreamServer({ [`${dir}/netrc.tcz`]: needsAuth(tcz), [`${dir}/netrc.tcz.md5.txt`]: needsAuth(`${md5(tcz)}  netrc.tcz\n`) });
    const home = await mkdtemp(join(tmpdir(), 'tczbuild-home-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    await writeFile(join(home, '.netrc'), `machine 127.0.0.1 login dave password ${password}\n`, { mode: 0o600 });
    const m = await mirrorOf(up.url, { origin: { network: { env: { HOME: home } } } });
    const r = await m.get('netrc.tcz');
    expect(r.status).toBe(200);
    expect(r.body.equals(tcz)).toBe(true);
    expect(seen).toEqual([basic('dave', password), basic('dave', password)]);
    for (const secret of [password, encodeURIComponent(password)]) {
      expect(await everything(m.cacheDir)).not.toContain(secret);
      expect(m.logs.join('\n')).not.toContain(secret);
    }
    // without the file the upstream refuses: the client gets a 502, not the file
    const bare = await mirrorOf(up.url, { origin: { network: { env: { HOME: join(home, 'absent') } } } });
    expect((await bare.get('netrc.tcz')).status).toBe(502);
  });

  it('never puts the password in the 502 a client gets when the upstream fails', async () => {
    const up = await upstreamServer({ [`${dir}/broken.tcz`]: { reset: true } });
    for (const base of [up.url, 'http://127.0.0.1:1']) {
      const m = await mirrorOf(base.replace('http://', `http://alice:${encodeURIComponent(password)}@`));
      for (const name of ['broken.tcz', 'absent.tcz']) {
        const r = await m.get(name);
        expect(r.status).toBeGreaterThanOrEqual(404);
        for (const secret of [password, encodeURIComponent(password), 'alice']) expect(r.body.toString()).not.toContain(secret);
      }
    }
  });

  it('does not send them to another host a redirect leads to, even an allowed one', async () => {
    const elsewhere: Array<string | undefined> = [];
    const other = await upstreamServer({ [`${dir}/moved.tcz`]: recording(elsewhere, (_req, res) => void res.writeHead(200, { 'content-length': tcz.length }).end(tcz)) });
    const up = await upstreamServer({ [`${dir}/moved.tcz`]: { handler: (_req, res) => void res.writeHead(302, { location: `${other.url}${dir}/moved.tcz` }).end() } });
    const m = await mirrorOf(up.url.replace('http://', `http://alice:${encodeURIComponent(password)}@`), { origin: { allowHosts: [new URL(other.url).host] } });
    expect((await m.get('moved.tcz')).status).toBe(200);
    expect(elsewhere).toEqual([undefined]);
  });
});

describe('serve --upstream redirects', () => {
  it('refuses one that leaves the upstream origin (an internal service on another port) and caches nothing', async () => {
    const internal = await upstreamServer({ '/latest/meta-data/secret': { body: 'internal secret' } });
    const up = await upstreamServer({
      [`${dir}/creds.tcz`]: { handler: (_req, res) => void res.writeHead(302, { location: `${internal.url}/latest/meta-data/secret` }).end() },
    });
    const m = await mirrorOf(up.url);
    const r = await m.get('creds.tcz');
    expect(r.status).toBe(502);
    expect(r.body.toString()).toMatch(/refused the redirect .* it leaves the upstream mirror http:\/\/127\.0\.0\.1:\d+; if 127\.0\.0\.1:\d+ is a mirror you trust, allow it with --upstream-allow-host/);
    expect(r.body.toString()).not.toContain('internal secret');
    expect(internal.requests).toEqual([]);
    expect((await everything(upstreamCacheDirFor(m.cacheDir, up.url))).includes('internal secret')).toBe(false);
  });

  it('follows one within the upstream, and a bounded number only', async () => {
    const body = Buffer.from('moved within the mirror\n');
    const up = await upstreamServer({
      [`${dir}/old.tcz.dep`]: { handler: (_req, res) => void res.writeHead(301, { location: `${dir}/new.tcz.dep` }).end() },
      [`${dir}/new.tcz.dep`]: { body },
      [`${dir}/loop.tcz.dep`]: { handler: (_req, res) => void res.writeHead(302, { location: `${dir}/loop.tcz.dep` }).end() },
    });
    const m = await mirrorOf(up.url);
    expect(await m.get('old.tcz.dep')).toEqual({ status: 200, body });
    const loop = await m.get('loop.tcz.dep');
    expect(loop.status).toBe(502);
    expect(loop.body.toString()).toMatch(/more than 3 redirects/);
    expect(up.requests.filter((r) => r === `${dir}/loop.tcz.dep`)).toHaveLength(4);
  });

  it('never follows one from a public upstream to a loopback, link-local or private address, even an allowed one', () => {
    const { redirects } = upstreamOrigin('http://mirror.example.org/tinycorelinux', { network: direct, allowHosts: ['169.254.169.254', '10.0.0.5', 'cdn.example.net'] });
    const from = new URL('http://mirror.example.org/tinycorelinux/11.x/x86_64/tcz/a.tcz');
    expect(redirects.refuse?.(from, new URL('http://169.254.169.254/latest/meta-data/'))).toMatch(/loopback, link-local or private address, and the upstream is not/);
    expect(redirects.refuse?.(from, new URL('http://10.0.0.5/a.tcz'))).toMatch(/private address/);
    expect(redirects.refuse?.(from, new URL('http://127.0.0.1:8080/a.tcz'))).toMatch(/leaves the upstream mirror/);
    expect(redirects.refuse?.(from, new URL('https://mirror.example.org/tinycorelinux/a.tcz'))).toBeUndefined();
    expect(redirects.refuse?.(from, new URL('http://cdn.example.net/a.tcz'))).toBeUndefined();
    const https = new URL('https://mirror.example.org/a.tcz');
    expect(redirects.refuse?.(https, new URL('http://mirror.example.org/a.tcz'))).toMatch(/https down to plain http/);
    for (const host of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '[::1]', '[fe80::1]', '[fd00::1]', '[::ffff:127.0.0.1]', 'localhost', 'a.localhost']) {
      expect(isInternalHost(host), host).toBe(true);
    }
    for (const host of ['8.8.8.8', '172.32.0.1', 'mirror.example.org', '[2001:db8::1]']) expect(isInternalHost(host), host).toBe(false);
  });

  it('never follows one from https down to plain http, for any request', async () => {
    const fixtures = 'test/builder/fetch/fixtures';
    const plain = await upstreamServer({ '/a': { body: 'over plain http' } });
    const tls: Server = createServer({ key: await readFile(join(fixtures, 'tls-127.0.0.1.key')), cert: await readFile(join(fixtures, 'tls-127.0.0.1.crt')) }, (_req, res) => void res.writeHead(302, { location: `${plain.url}/a` }).end());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => tls.close(resolve)));
    tls.on('secureConnection', (s) => cleanups.push(async () => s.destroy()));
    await expect(httpGet(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/a`, { network: { env: noNetrc(), caFile: join(fixtures, 'tls-127.0.0.1.crt') }, timeoutMs: 3000 })).rejects.toMatchObject({ kind: 'redirect', message: expect.stringMatching(/https down to plain http/) });
    expect(plain.requests).toEqual([]);
  });
});

/** A resolver that maps every name to 127.0.0.1, standing in for DNS that answers with an internal address. */
const resolvesToLoopback = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  resolved.push(hostname);
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;
const resolved: string[] = [];

describe('serve --upstream and host names that resolve to internal addresses', () => {
  it('refuses an upstream named by a host name that resolves to 127.0.0.1, checked when the connection opens', async () => {
    const up = await upstreamServer({ [`${dir}/secret.tcz`]: { body: 'internal secret' } });
    const named = up.url.replace('127.0.0.1', 'mirror.example.test');
    resolved.length = 0;
    const m = await mirrorOf(named, { origin: { lookup: resolvesToLoopback } });
    const r = await m.get('secret.tcz');
    expect(r.status).toBe(502);
    expect(r.body.toString()).toMatch(/refused to connect: mirror\.example\.test resolves to 127\.0\.0\.1, a loopback, link-local or private address, and the upstream mirror\.example\.test:\d+ is not one; .* name it by its address \(--upstream http:\/\/127\.0\.0\.1:\d+\)/);
    expect(r.body.toString()).not.toContain('internal secret');
    expect(resolved).toContain('mirror.example.test');
    expect(up.requests).toEqual([]);
  });

  it('refuses a redirect to an allowed host whose name resolves to a loopback address, and follows it when the upstream is itself internal', async () => {
    const body = Buffer.from('from the cdn\n');
    const cdn = await upstreamServer({ [`${dir}/cdn.tcz.dep`]: { body } });
    const cdnHost = `cdn.example.test:${new URL(cdn.url).port}`;
    const redirecting = { handler: (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(302, { location: `http://${cdnHost}${dir}/cdn.tcz.dep` }).end() };
    const up = await upstreamServer({ [`${dir}/cdn.tcz.dep`]: redirecting });
    // the upstream at 127.0.0.1 is internal itself: an internal address behind the name is its own network
    const internalUpstream = await mirrorOf(up.url, { origin: { allowHosts: [cdnHost], lookup: resolvesToLoopback } });
    expect(await internalUpstream.get('cdn.tcz.dep')).toEqual({ status: 200, body });
    // the same hop, as the guard of a public upstream sees it when the name resolves
    const { addresses } = upstreamOrigin('http://mirror.example.org/tinycorelinux', { network: direct, allowHosts: [cdnHost] });
    expect(addresses.refuse('cdn.example.test', '127.0.0.1')).toMatch(/cdn\.example\.test resolves to 127\.0\.0\.1, a loopback, link-local or private address, and the upstream mirror\.example\.org is not one/);
    for (const address of ['10.0.0.5', '169.254.169.254', '::1', 'fd00::1', '192.168.1.1']) expect(addresses.refuse('cdn.example.test', address), address).toBeDefined();
    expect(addresses.refuse('cdn.example.test', '93.184.215.14')).toBeUndefined();
    expect(upstreamOrigin('http://10.0.0.2/', { network: direct }).addresses.refuse('cdn.example.test', '127.0.0.1')).toBeUndefined();
  });
});

describe('serve --upstream revalidates what it cached', () => {
  const v1 = Buffer.alloc(40_000, 1);
  const v2 = Buffer.alloc(41_000, 2);

  /** An upstream holding lz4.tcz at version `body`, counting requests per path. */
  async function lz4Upstream(body: Buffer): Promise<FixtureServer> {
    return upstreamServer({ [`${dir}/lz4.tcz`]: { body }, [`${dir}/lz4.tcz.md5.txt`]: { body: `${md5(body)}  lz4.tcz\n` } });
  }
  const count = (s: FixtureServer, name: string): number => s.requests.filter((r) => r === `${dir}/${name}`).length;

  it('an upstream update reaches the box once the max age has passed (tce-update sees the new md5 and gets the new file)', async () => {
    const up = await lz4Upstream(v1);
    let now = 1_000_000;
    const m = await mirrorOf(up.url, { maxAgeMs: 60_000, now: () => now });
    expect((await m.get('lz4.tcz.md5.txt')).body.toString()).toBe(`${md5(v1)}  lz4.tcz\n`);
    expect((await m.get('lz4.tcz')).body.equals(v1)).toBe(true);
    up.route(`${dir}/lz4.tcz`, { body: v2 });
    up.route(`${dir}/lz4.tcz.md5.txt`, { body: `${md5(v2)}  lz4.tcz\n` });
    now += 30_000; // within the max age: the confirmed copy, upstream not asked
    expect((await m.get('lz4.tcz')).body.equals(v1)).toBe(true);
    expect(count(up, 'lz4.tcz')).toBe(1);
    now += 31_000;
    expect((await m.get('lz4.tcz.md5.txt')).body.toString()).toBe(`${md5(v2)}  lz4.tcz\n`);
    const got = await m.get('lz4.tcz');
    expect(md5(got.body)).toBe(md5(v2));
  });

  it('with max age 0 asks upstream on every request, and a .tcz whose .md5.txt is unchanged is not downloaded again', async () => {
    const up = await lz4Upstream(v1);
    const m = await mirrorOf(up.url, { maxAgeMs: 0 });
    for (let i = 0; i < 3; i++) expect((await m.get('lz4.tcz')).body.equals(v1)).toBe(true);
    expect(count(up, 'lz4.tcz')).toBe(1);
    expect(count(up, 'lz4.tcz.md5.txt')).toBe(3);
    up.route(`${dir}/lz4.tcz`, { body: v2 });
    up.route(`${dir}/lz4.tcz.md5.txt`, { body: `${md5(v2)}  lz4.tcz\n` });
    expect((await m.get('lz4.tcz')).body.equals(v2)).toBe(true);
  });

  it('asks conditionally (If-None-Match, If-Modified-Since) and serves its copy on a 304', async () => {
    const asked: Array<[string | undefined, string | undefined]> = [];
    const dep = 'libfoo.tcz\n';
    const up = await upstreamServer({
      [`${dir}/foo.tcz.dep`]: {
        handler: (req, res) => {
          asked.push([req.headers['if-none-match'], req.headers['if-modified-since']]);
          if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
          res.writeHead(200, { etag: '"v1"', 'last-modified': 'Mon, 07 Dec 2026 00:00:00 GMT', 'content-length': dep.length }).end(dep);
        },
      },
    });
    const m = await mirrorOf(up.url, { maxAgeMs: 0 });
    for (let i = 0; i < 2; i++) expect(await m.get('foo.tcz.dep')).toEqual({ status: 200, body: Buffer.from(dep) });
    expect(asked).toEqual([[undefined, undefined], ['"v1"', 'Mon, 07 Dec 2026 00:00:00 GMT']]);
  });

  it('drops its copy when upstream no longer has the file, and serves the confirmed copy (with a log line) when upstream fails', async () => {
    const up = await lz4Upstream(v1);
    const m = await mirrorOf(up.url, { maxAgeMs: 0 });
    expect((await m.get('lz4.tcz')).status).toBe(200);
    up.route(`${dir}/lz4.tcz.md5.txt`, { status: 503 });
    up.route(`${dir}/lz4.tcz`, { status: 503 });
    expect((await m.get('lz4.tcz')).body.equals(v1)).toBe(true);
    expect(m.logs.join('\n')).toMatch(/could not revalidate 11\.x\/x86_64\/tcz\/lz4\.tcz \(upstream answered 503\); serving the copy upstream confirmed at/);
    up.route(`${dir}/lz4.tcz.md5.txt`, { status: 404 });
    up.route(`${dir}/lz4.tcz`, { status: 404 });
    expect((await m.get('lz4.tcz')).status).toBe(404);
    expect(await readdir(join(upstreamCacheDirFor(m.cacheDir, up.url), '11.x/x86_64/tcz')).catch(() => [])).not.toContain('lz4.tcz');
  });
});

describe('serve --upstream and Content-Encoding', () => {
  it('inflates a file the upstream gzipped on the fly (with a Content-Length), and keeps a .gz file sent as gzip byte for byte', async () => {
    const tcz = Buffer.alloc(60_000, 5);
    const db = gzipSync('a file that is itself gzip\n');
    const encoded = (body: Buffer, type: string): Route => ({
      handler: (_req, res) => void res.writeHead(200, { 'content-encoding': type, 'content-length': body.length }).end(body),
    });
    const up = await upstreamServer({
      [`${dir}/zipped.tcz`]: encoded(gzipSync(tcz), 'gzip'),
      [`${dir}/zipped.tcz.md5.txt`]: { body: `${md5(tcz)}  zipped.tcz\n` },
      [`${dir}/zipped.tcz.zsync.gz`]: encoded(db, 'x-gzip'),
      [`${dir}/brotli.tcz.dep`]: encoded(Buffer.from('x'), 'br'),
    });
    const m = await mirrorOf(up.url);
    const got = await m.get('zipped.tcz');
    expect(got.status).toBe(200);
    expect(got.body.equals(tcz)).toBe(true);
    const index = await m.get('zipped.tcz.zsync.gz');
    expect(index.status).toBe(200);
    expect(index.body.equals(db)).toBe(true);
    const br = await m.get('brotli.tcz.dep');
    expect(br.status).toBe(502);
    expect(br.body.toString()).toMatch(/Content-Encoding br, which was not asked for/);
  });

  it('refuses a gzip bomb at the size cap, in bounded time, and caches nothing', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    const up = await upstreamServer({ [`${dir}/bomb.tcz`]: { handler: (_req, res) => void res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb) } });
    const m = await mirrorOf(up.url, { limits: { maxBytes: 2 * 1024 * 1024 } });
    const r = await m.get('bomb.tcz');
    expect(r.status).toBe(502);
    expect(r.body.toString()).toMatch(/exceeds the 2097152-byte cap/);
    const left = (await readdir(upstreamCacheDirFor(m.cacheDir, up.url), { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());
    expect(left).toEqual([]);
  });
});
