/**
 * `serve --upstream`: a second local server plays the official mirror. A dependency only
 * upstream has is fetched, md5-checked, cached outside out/ and served; the second request is
 * not forwarded; a bad md5 is refused; upstream 404 stays 404; a dead upstream gives 502 and a
 * silent one 504, quickly, instead of hanging the box's tce-load.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMirrorServer, type MirrorServer } from '../../src/mirror/server.js';
import { createUpstreamCache } from '../../src/mirror/upstream-cache.js';
import type { FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import type { FixtureMirror } from '../mirror/fixture-mirror.js';
import { startMirrorWithUpstream, stopMirrorWithUpstream, type UpstreamPair } from '../mirror/upstream-pair.js';
import { busyboxWget } from '../mirror/raw-http.js';
import { noNetrc } from '../helpers/no-netrc.js';

const dir = '/11.x/x86_64/tcz';
const iptables = Buffer.alloc(200_000, 3);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

let mirror: FixtureMirror;
let upstream: FixtureServer;
let server: MirrorServer;
let pair: UpstreamPair | undefined;

beforeAll(async () => {
  pair = await startMirrorWithUpstream({
    [`${dir}/iptables.tcz`]: { body: iptables },
    [`${dir}/iptables.tcz.md5.txt`]: { body: `${md5(iptables)}  iptables.tcz\n` },
    [`${dir}/iptables.tcz.dep`]: { body: 'libnetfilter.tcz\n' },
    [`${dir}/tampered.tcz`]: { body: Buffer.from('not what the md5 says') },
    [`${dir}/tampered.tcz.md5.txt`]: { body: `${'0'.repeat(32)}  tampered.tcz\n` },
  });
  ({ mirror, upstream, server } = pair);
});

afterAll(() => stopMirrorWithUpstream(pair));

describe('serve --upstream', () => {
  it('serves a dependency only upstream has, md5-checked, and caches it outside out/', async () => {
    const dl = await testdir();
    for (const f of ['iptables.tcz.dep', 'iptables.tcz.md5.txt', 'iptables.tcz']) {
      const r = await busyboxWget(['-q', `${server.url}${dir}/${f}`], dl);
      expect(r.exitCode, r.output).toBe(0);
    }
    expect((await execa('md5sum', ['-c', 'iptables.tcz.md5.txt'], { cwd: dl })).stdout).toBe('iptables.tcz: OK');
    expect(await readdir(mirror.tczDir)).not.toContain('iptables.tcz');
    const forwarded = upstream.requests.filter((p) => p === `${dir}/iptables.tcz`).length;
    expect(forwarded).toBe(1);

    const again = await testdir();
    expect((await busyboxWget(['-q', `${server.url}${dir}/iptables.tcz`], again)).exitCode).toBe(0);
    expect((await readFile(join(again, 'iptables.tcz'))).equals(iptables)).toBe(true);
    expect(upstream.requests.filter((p) => p === `${dir}/iptables.tcz`).length).toBe(1);
  });

  it('fetches a file once upstream when several boxes ask for it at the same time', async () => {
    const body = Buffer.alloc(50_000, 9);
    upstream.route(`${dir}/slow.tcz`, {
      handler: (_req, res) => {
        setTimeout(() => res.writeHead(200, { 'content-length': body.length }).end(body), 300);
      },
    });
    const all = await Promise.all([1, 2, 3].map(() => fetch(`${server.url}${dir}/slow.tcz`).then(async (r) => [r.status, (await r.arrayBuffer()).byteLength])));
    expect(all).toEqual([[200, 50_000], [200, 50_000], [200, 50_000]]);
    expect(upstream.requests.filter((p) => p === `${dir}/slow.tcz`).length).toBe(1);
  });

  it('never takes a companion of our own extension from upstream: our missing .dep means "no dependencies"', async () => {
    upstream.route(`${dir}/world.tcz.dep`, { body: 'something-upstream.tcz\n' });
    expect((await fetch(`${server.url}${dir}/world.tcz.dep`)).status).toBe(404);
    expect(upstream.requests).not.toContain(`${dir}/world.tcz.dep`);
  });

  it('serves our own files without asking upstream', async () => {
    const before = upstream.requests.length;
    expect((await fetch(`${server.url}${dir}/hello.tcz`)).status).toBe(200);
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses an upstream file whose md5 does not match its .md5.txt, and does not cache it', async () => {
    expect((await fetch(`${server.url}${dir}/tampered.tcz`)).status).toBe(502);
    expect((await fetch(`${server.url}${dir}/tampered.tcz`)).status).toBe(502);
    expect(upstream.requests.filter((p) => p === `${dir}/tampered.tcz`).length).toBe(2);
  });

  it('recovers once upstream republishes: a stale cached .md5.txt is not kept after a mismatch', async () => {
    const v1 = Buffer.from('version one');
    const v2 = Buffer.from('version two!');
    upstream.route(`${dir}/moving.tcz.md5.txt`, { body: `${md5(v1)}  moving.tcz\n` });
    upstream.route(`${dir}/moving.tcz`, { body: v2 });
    expect((await fetch(`${server.url}${dir}/moving.tcz.md5.txt`)).status).toBe(200);
    expect((await fetch(`${server.url}${dir}/moving.tcz`)).status).toBe(502);
    upstream.route(`${dir}/moving.tcz.md5.txt`, { body: `${md5(v2)}  moving.tcz\n` });
    expect(await (await fetch(`${server.url}${dir}/moving.tcz.md5.txt`)).text()).toBe(`${md5(v2)}  moving.tcz\n`);
    const r = await fetch(`${server.url}${dir}/moving.tcz`);
    expect(r.status).toBe(200);
    expect(Buffer.from(await r.arrayBuffer()).equals(v2)).toBe(true);
  });

  it('passes an upstream 404 through as 404', async () => {
    expect((await fetch(`${server.url}${dir}/nonexistent.tcz.dep`)).status).toBe(404);
  });

  it('answers 502 quickly when upstream is down', async () => {
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const deadPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const cache = await testdir();
    const s = await startMirrorServer({ root: mirror.out, upstream: createUpstreamCache({ upstream: `http://127.0.0.1:${deadPort}`, cacheDir: cache, origin: { network: { env: noNetrc() } } }) });
    try {
      const t0 = Date.now();
      expect((await fetch(`${s.url}${dir}/iptables.tcz`)).status).toBe(502);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await s.close(100);
    }
  });

  it('answers an error when the upstream cache cannot be written, and keeps serving (no unhandled rejection ends it)', async () => {
    const cacheDir = await testdir();
    const s = await startMirrorServer({ root: mirror.out, upstream: createUpstreamCache({ upstream: upstream.url, cacheDir, origin: { network: { env: noNetrc() } } }) });
    // A file where the cached tree's first directory must go: every write into it fails (ENOTDIR).
    const [perUpstream] = await readdir(cacheDir);
    await writeFile(join(cacheDir, perUpstream!, dir.split('/')[1]!), 'not a directory\n');
    try {
      const waiting = new AbortController();
      expect((await fetch(`${s.url}${dir}/iptables.tcz`, { signal: waiting.signal })).status).toBeGreaterThanOrEqual(500);
      await new Promise((r) => setTimeout(r, 200)); // an unhandled rejection would surface here and fail the run
      const local = (await readdir(mirror.tczDir)).find((f) => f.endsWith('.tcz'))!;
      expect((await fetch(`${s.url}${dir}/${local}`)).status).toBe(200);
    } finally {
      await s.close(100);
    }
  });

  it('answers 504 within the timeout when upstream accepts but never answers', async () => {
    const silent: TcpServer = createTcpServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const cache = await testdir();
    const s = await startMirrorServer({ root: mirror.out, upstream: createUpstreamCache({ upstream: `http://127.0.0.1:${port}`, cacheDir: cache, timeoutMs: 800, origin: { network: { env: noNetrc() } } }) });
    try {
      const t0 = Date.now();
      expect((await fetch(`${s.url}${dir}/iptables.tcz`)).status).toBe(504);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await s.close(100);
      silent.close();
    }
  });
});
