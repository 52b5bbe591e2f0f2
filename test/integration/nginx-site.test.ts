/**
 * `tczbuild serve --print-nginx-config` with Debian's real nginx: BusyBox wget (tce-load's
 * client) downloads and resumes our images and an upstream-only extension through the
 * proxy_cache, directories are not listed, and nothing outside out/ (or in its dot files) leaks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tczbuild } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { makeGoodMirror, type FixtureMirror } from '../mirror/fixture-mirror.js';
import { busyboxWget, rawRequest } from '../mirror/raw-http.js';

const secret = 'TOP-SECRET-BYTES-OUTSIDE-OUT';
const iptables = randomBytes(2 * 1024 * 1024);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
let parent: string;
let mirror: FixtureMirror;
let upstream: FixtureServer;
let nginx: ResultPromise | undefined;
let base: string;
let site: string;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

async function waitForPort(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await rawRequest(url, '/').catch(() => ({ status: 0 }))).status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not answer on ${url}`);
}

beforeAll(async () => {
  parent = await mkdtemp('/tmp/tczbuild-nginx-');
  await writeFile(join(parent, 'secret.txt'), secret);
  mirror = await makeGoodMirror(join(parent, 'out'));
  await writeFile(join(mirror.tczDir, 'big.tcz'), randomBytes(3 * 1024 * 1024));
  await symlink(join(parent, 'secret.txt'), join(mirror.tczDir, 'escape.tcz'));
  await mkdir(join(mirror.out, '.tczbuild'));
  await writeFile(join(mirror.out, '.tczbuild', 'state.json'), 'build state');
  upstream = await startFixtureServer({ '/tc/11.x/x86_64/tcz/iptables.tcz': { body: iptables } });

  const port = await freePort();
  const printed = await tczbuild(['serve', '--out', mirror.out, '--port', String(port), '--upstream', `${upstream.url}/tc/`, '--cache', join(parent, 'cache'), '--print-nginx-config'], { cwd: parent });
  expect(printed.stderr).toBe('');
  expect(printed.code).toBe(0);
  site = printed.stdout;
  // The main config a test needs around the site: its own prefix, pid and logs, workers as root
  // so they can read the temporary tree.
  const prefix = join(parent, 'nginx');
  // As the printed config asks: the cache directory must exist.
  expect(site).toContain(`mkdir -p ${join(parent, 'cache', 'nginx')}`);
  await mkdir(join(parent, 'cache', 'nginx'), { recursive: true });
  await mkdir(join(prefix, 'tmp'), { recursive: true });
  await writeFile(join(prefix, 'site.conf'), site);
  await writeFile(
    join(prefix, 'nginx.conf'),
    `user root;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents { worker_connections 64; }\nhttp {\n` +
      `  access_log ${prefix}/access.log;\n  client_body_temp_path ${prefix}/tmp/body;\n  proxy_temp_path ${prefix}/tmp/proxy;\n  fastcgi_temp_path ${prefix}/tmp/fastcgi;\n  uwsgi_temp_path ${prefix}/tmp/uwsgi;\n  scgi_temp_path ${prefix}/tmp/scgi;\n` +
      `  include ${prefix}/site.conf;\n}\n`,
  );
  await execa('nginx', ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf')]);
  nginx = execa('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { reject: false });
  base = `http://127.0.0.1:${port}`;
  await waitForPort(base);
}, 60_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  await nginx;
  await upstream?.close();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const accessLog = (): Promise<string> => readFile(join(parent, 'nginx/access.log'), 'utf8');

describe('nginx with the printed site config', () => {
  it('serves our images to BusyBox wget and resumes a cut download with a byte range', async () => {
    const dl = await mkdtemp(join(parent, 'dl-'));
    expect((await busyboxWget([`${base}/11.x/x86_64/tcz/hello.tcz`], dl)).exitCode).toBe(0);
    expect(md5(await readFile(join(dl, 'hello.tcz')))).toBe((await readFile(join(mirror.tczDir, 'hello.tcz.md5.txt'), 'utf8')).split(' ')[0]);
    expect((await busyboxWget([`${base}/11.x/x86_64/tcz/big.tcz`], dl)).exitCode).toBe(0);
    await truncate(join(dl, 'big.tcz'), 1024 * 1024);
    expect((await busyboxWget(['-c', `${base}/11.x/x86_64/tcz/big.tcz`], dl)).exitCode).toBe(0);
    expect(md5(await readFile(join(dl, 'big.tcz')))).toBe(md5(await readFile(join(mirror.tczDir, 'big.tcz'))));
    expect(await accessLog()).toMatch(/"GET \/11\.x\/x86_64\/tcz\/big\.tcz HTTP\/1\.[01]" 206 /);
  });

  it('fetches an upstream-only extension once, caches it, and resumes it from the cache', async () => {
    const dl = await mkdtemp(join(parent, 'dl-'));
    expect((await busyboxWget([`${base}/11.x/x86_64/tcz/iptables.tcz`], dl)).exitCode).toBe(0);
    expect(md5(await readFile(join(dl, 'iptables.tcz')))).toBe(md5(iptables));
    await truncate(join(dl, 'iptables.tcz'), 512 * 1024);
    expect((await busyboxWget(['-c', `${base}/11.x/x86_64/tcz/iptables.tcz`], dl)).exitCode).toBe(0);
    expect(md5(await readFile(join(dl, 'iptables.tcz')))).toBe(md5(iptables));
    const ranged = await rawRequest(base, '/11.x/x86_64/tcz/iptables.tcz', 'GET', 'Range: bytes=100-199\r\n');
    expect(ranged.status).toBe(206);
    expect(ranged.head).toMatch(/X-Cache: HIT/i);
    expect(upstream.requests.filter((r) => r === '/tc/11.x/x86_64/tcz/iptables.tcz')).toHaveLength(1);
  });

  it('lists no directory and leaks nothing outside out/ or from its dot files', async () => {
    const listing = await rawRequest(base, '/11.x/x86_64/tcz/');
    expect(listing.status).not.toBe(200);
    expect(listing.raw.toString()).not.toContain('hello.tcz');
    for (const target of ['/../secret.txt', '/11.x/x86_64/tcz/../../../../secret.txt', '/%2e%2e/secret.txt', '/11.x/x86_64/tcz/escape.tcz', '/.tczbuild/state.json']) {
      const r = await rawRequest(base, target);
      expect(r.status, target).toBeGreaterThanOrEqual(400);
      expect(r.raw.toString(), target).not.toContain(secret);
      expect(r.raw.toString(), target).not.toContain('build state');
    }
    expect((await rawRequest(base, '/11.x/x86_64/tcz/hello.tcz', 'DELETE')).status).toBe(403);
  });
});
