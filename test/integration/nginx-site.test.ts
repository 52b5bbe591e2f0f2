/**
 * `tczbuild serve --print-nginx-config` with Debian's real nginx, started as root the way its
 * service starts it, with workers as root and as www-data (Debian's `user`): BusyBox wget
 * (tce-load's client) downloads and resumes our images and an upstream-only extension through
 * the proxy_cache, directories are not listed, and nothing outside out/ (or in its dot files)
 * leaks. The proxy cache is a directory nginx creates for its workers, not tczbuild's own cache:
 * under /root (tczbuild run as root) www-data could not write it and the fall-through answered
 * 500; a site naming a path the workers cannot enter is warned about at print time.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tczbuild } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { makeGoodMirror, type FixtureMirror } from '../mirror/fixture-mirror.js';
import { busyboxWget, rawRequest } from '../mirror/raw-http.js';
import { freePort } from '../../src/demo/free-port.js';

const secret = 'TOP-SECRET-BYTES-OUTSIDE-OUT';
const iptables = randomBytes(2 * 1024 * 1024);
const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
let parent: string;
let mirror: FixtureMirror;
let upstream: FixtureServer;
const nginxes: ResultPromise[] = [];

async function waitForPort(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await rawRequest(url, '/').catch(() => ({ status: 0 }))).status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx did not answer on ${url}`);
}

beforeAll(async () => {
  parent = await mkdtemp('/tmp/tczbuild-nginx-');
  // www-data's workers must be able to enter the tree, as they must enter a real out/
  await chmod(parent, 0o755);
  await writeFile(join(parent, 'secret.txt'), secret);
  mirror = await makeGoodMirror(join(parent, 'out'));
  await writeFile(join(mirror.tczDir, 'big.tcz'), randomBytes(3 * 1024 * 1024));
  await symlink(join(parent, 'secret.txt'), join(mirror.tczDir, 'escape.tcz'));
  await mkdir(join(mirror.out, '.tczbuild'));
  await writeFile(join(mirror.out, '.tczbuild', 'state.json'), 'build state');
  upstream = await startFixtureServer({ '/tc/11.x/x86_64/tcz/iptables.tcz': { body: iptables } });
}, 60_000);

afterAll(async () => {
  for (const n of nginxes) n.kill('SIGTERM');
  await Promise.all(nginxes);
  await upstream?.close();
  if (parent) await rm(parent, { recursive: true, force: true });
});

/**
 * The printed site inside a main config shaped like Debian's /etc/nginx/nginx.conf (its `user`
 * line, mime types, sendfile, gzip), with this test's own prefix, pid, logs and temp paths.
 * The proxy cache directory is not made beforehand: nginx makes it, as the printed comment says.
 */
async function startNginx(user: 'root' | 'www-data', name = `nginx-${user}`, upstreamArgs = ['--upstream', `${upstream.url}/tc/`]): Promise<{ base: string; prefix: string }> {
  const port = await freePort();
  const prefix = join(parent, name);
  const printed = await tczbuild(['serve', '--out', mirror.out, '--port', String(port), ...upstreamArgs, '--nginx-cache', join(prefix, 'proxy-cache'), '--print-nginx-config'], { cwd: parent });
  expect(printed.stderr).toBe('');
  expect(printed.code).toBe(0);
  await mkdir(join(prefix, 'tmp'), { recursive: true });
  await writeFile(join(prefix, 'site.conf'), printed.stdout);
  await writeFile(
    join(prefix, 'nginx.conf'),
    `user ${user};\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents { worker_connections 64; }\nhttp {\n` +
      `  sendfile on;\n  tcp_nopush on;\n  types_hash_max_size 2048;\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n  gzip on;\n` +
      `  access_log ${prefix}/access.log;\n  client_body_temp_path ${prefix}/tmp/body;\n  proxy_temp_path ${prefix}/tmp/proxy;\n  fastcgi_temp_path ${prefix}/tmp/fastcgi;\n  uwsgi_temp_path ${prefix}/tmp/uwsgi;\n  scgi_temp_path ${prefix}/tmp/scgi;\n` +
      `  include ${prefix}/site.conf;\n}\n`,
  );
  await execa('nginx', ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf')]);
  nginxes.push(execa('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { reject: false }));
  const base = `http://127.0.0.1:${port}`;
  await waitForPort(base);
  return { base, prefix };
}

describe.each(['root', 'www-data'] as const)('nginx with the printed site config, workers as %s', (user) => {
  let base: string;
  let prefix: string;
  const accessLog = (): Promise<string> => readFile(join(prefix, 'access.log'), 'utf8');
  beforeAll(async () => {
    ({ base, prefix } = await startNginx(user));
  }, 60_000);

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
    const upstreamGets = upstream.requests.filter((r) => r === '/tc/11.x/x86_64/tcz/iptables.tcz').length;
    expect(upstreamGets).toBe(user === 'root' ? 1 : 2); // once per nginx: the root one ran first
    // nginx made the cache directory the printed comment names, for its workers' user
    const { uid } = await stat(join(prefix, 'proxy-cache'));
    expect(uid).toBe(Number((await execa('id', ['-u', user])).stdout));
  });

  it('never forwards a client\'s own Authorization header to an upstream that needs none', async () => {
    const name = `/11.x/x86_64/tcz/private-${user}.tcz`;
    const seenAuth: Array<string | undefined> = [];
    upstream.route(`/tc${name}`, {
      handler: (req, res) => {
        seenAuth.push(req.headers.authorization);
        res.writeHead(200, { 'content-length': 3 }).end('abc');
      },
    });
    const r = await rawRequest(base, name, 'GET', `Authorization: Basic ${Buffer.from('alice:mirror-password').toString('base64')}\r\n`);
    expect(r.status).toBe(200);
    expect(seenAuth).toEqual([undefined]);
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

describe('paths nginx cannot reach', () => {
  it('defaults the proxy cache to /var/cache/tczbuild-nginx, not the build user\'s cache', async () => {
    const printed = await tczbuild(['serve', '--out', mirror.out, '--upstream', `${upstream.url}/tc/`, '--cache', join(parent, 'own-cache'), '--print-nginx-config'], { cwd: parent });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('proxy_cache_path /var/cache/tczbuild-nginx levels=1:2');
    expect(printed.stdout).not.toContain('own-cache');
    const stray = await tczbuild(['serve', '--nginx-cache', join(parent, 'x')], { cwd: parent });
    expect(stray.code).toBe(2);
  });

  it('warns at print time about an out/ or proxy cache behind a directory other users cannot enter; nginx as www-data then answers 500 for upstream files, as warned', async () => {
    const home = join(parent, 'home-0700');
    await mkdir(join(home, 'cache'), { recursive: true });
    await chmod(home, 0o700);
    const port = await freePort();
    const printed = await tczbuild(['serve', '--out', mirror.out, '--port', String(port), '--upstream', `${upstream.url}/tc/`, '--nginx-cache', join(home, 'cache', 'nginx'), '--print-nginx-config'], { cwd: parent });
    expect(printed.code).toBe(0);
    expect(printed.stderr).toContain(`warning[nginx-path-unreachable]: nginx's workers (www-data on Debian) cannot enter ${home} (mode 0700), so they cannot reach the proxy cache (--nginx-cache) at ${join(home, 'cache', 'nginx')}: every upstream file would answer 500`);
    expect(printed.stderr).not.toContain('the mirror (--out)');
    const prefix = join(parent, 'nginx-unreachable');
    await mkdir(join(prefix, 'tmp'), { recursive: true });
    await writeFile(join(prefix, 'site.conf'), printed.stdout);
    await writeFile(join(prefix, 'nginx.conf'), `user www-data;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n  proxy_temp_path ${prefix}/tmp/proxy;\n  client_body_temp_path ${prefix}/tmp/body;\n  include ${prefix}/site.conf;\n}\n`);
    const n = execa('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { reject: false });
    nginxes.push(n);
    await waitForPort(`http://127.0.0.1:${port}`);
    expect((await rawRequest(`http://127.0.0.1:${port}`, '/11.x/x86_64/tcz/iptables.tcz')).status).toBe(500);
    expect((await rawRequest(`http://127.0.0.1:${port}`, '/11.x/x86_64/tcz/hello.tcz')).status).toBe(200);

    const hidden = await tczbuild(['serve', '--out', join(home, 'cache'), '--print-nginx-config'], { cwd: parent });
    expect(hidden.stderr).toContain(`cannot enter ${home} (mode 0700), so they cannot reach the mirror (--out) at ${join(home, 'cache')}: every request for it would be refused (403)`);
  }, 60_000);
});

describe('nginx with an upstream that needs credentials and changes its files', () => {
  const password = 'pw-Zq8!x7#secret';
  const basic = `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`;
  const v1 = randomBytes(64 * 1024);
  const v2 = randomBytes(64 * 1024);
  let current = { body: v1, etag: '"v1"' };
  const seen: Array<{ url: string; authorization: string | undefined; ifNoneMatch: string | undefined; status: number }> = [];
  let site: FixtureServer;
  let base: string;
  let prefix: string;

  beforeAll(async () => {
    site = await startFixtureServer({
      '/tc/11.x/x86_64/tcz/changing.tcz': {
        handler: (req, res) => {
          const answer = (status: number, headers: Record<string, string | number> = {}, body?: Buffer): void => {
            seen.push({ url: req.url ?? '', authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'], status });
            res.writeHead(status, headers).end(body);
          };
          if (req.headers.authorization !== basic) return answer(401, { 'www-authenticate': 'Basic realm="tc"' });
          if (req.headers['if-none-match'] === current.etag) return answer(304, { etag: current.etag });
          answer(200, { etag: current.etag, 'last-modified': new Date(1_600_000_000_000).toUTCString(), 'content-length': current.body.length }, current.body);
        },
      },
    });
    // --upstream-max-age 1: nginx's shortest validity; the credentials ride in the URL as with serve
    const withCredentials = `${site.url.replace('http://', `http://alice:${encodeURIComponent(password)}@`)}/tc/`;
    ({ base, prefix } = await startNginx('www-data', 'nginx-credentials', ['--upstream', withCredentials, '--upstream-max-age', '1']));
  }, 60_000);
  afterAll(async () => site?.close());

  const get = (extra = ''): Promise<{ status: number; head: string; body: Buffer }> =>
    rawRequest(base, '/11.x/x86_64/tcz/changing.tcz', 'GET', extra).then((r) => ({ status: r.status, head: r.head, body: r.raw.subarray(r.raw.indexOf('\r\n\r\n') + 4) }));

  /** Ask until nginx's X-Cache says `status` (the copy's 1 s validity runs out on nginx's clock, not ours). */
  async function until(status: string): Promise<{ status: number; head: string; body: Buffer }> {
    const seenStatuses: string[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await get();
      const cache = /X-Cache: (\w+)/i.exec(r.head)?.[1] ?? 'none';
      if (cache === status) return r;
      seenStatuses.push(cache);
      if (cache !== 'HIT') throw new Error(`X-Cache ${cache} while waiting for ${status} (${seenStatuses.join(' ')})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`X-Cache never became ${status}: ${seenStatuses.join(' ')}`);
  }

  it('sends the credentials only as an Authorization header, and a client\'s own Authorization never reaches upstream', async () => {
    const first = await get(`Authorization: Basic ${Buffer.from('mallory:guess').toString('base64')}\r\n`);
    expect(first.status).toBe(200);
    expect(first.body.equals(v1)).toBe(true);
    expect(seen.map((s) => ({ url: s.url, authorization: s.authorization }))).toEqual([{ url: '/tc/11.x/x86_64/tcz/changing.tcz', authorization: basic }]);
    // nowhere else: not in what the client gets, not in nginx's logs
    const logs = (await readFile(join(prefix, 'access.log'), 'utf8')) + (await readFile(join(prefix, 'error.log'), 'utf8'));
    for (const secret of [password, encodeURIComponent(password), 'alice:']) {
      expect(first.head).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });

  it('revalidates its copy after --upstream-max-age with If-None-Match, keeps it on a 304, and serves upstream\'s update', async () => {
    expect((await get()).head).toMatch(/X-Cache: (HIT|REVALIDATED)/i);
    const revalidated = await until('REVALIDATED');
    expect(revalidated.body.equals(v1)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ ifNoneMatch: '"v1"', authorization: basic, status: 304 });

    current = { body: v2, etag: '"v2"' }; // upstream publishes a new lz4.tcz
    const updated = await until('EXPIRED');
    expect(updated.body.equals(v2)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ ifNoneMatch: '"v1"', authorization: basic, status: 200 });
    expect((await get()).body.equals(v2)).toBe(true);
  }, 30_000);
});
