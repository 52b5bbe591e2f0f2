/**
 * Proxies and private CAs, with Debian's real tinyproxy on 127.0.0.1: sources (`all`), `pin`, the
 * registry client and `serve --upstream`'s upstream fetches all go through HTTP_PROXY /
 * http_proxy (the proxy's own log shows each request), NO_PROXY bypasses it, and HTTPS tunnels
 * through CONNECT to a local TLS server whose certificate comes from a private CA that is trusted
 * only when --ca-file names it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTimeouts, httpGet as registryGet } from '../../src/images/registry/http.js';
import { createUpstreamCache } from '../../src/mirror/upstream-cache.js';
import { buildArtifacts, fillPlaceholders, sha256Of } from '../faults/helpers/artifacts.js';
import { projectDirs, runPin, runTczbuild, testEnv, type ProjectDirs } from '../faults/helpers/run.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { tczbuild } from '../helpers/cli.js';
import { archiveName, coreScriptsCheckout, forgeArchive } from '../helpers/core-scripts.js';
import { coreScripts } from '../../src/tinycore/core-scripts.js';
import { treeSha256 } from '../../src/util/tree-hash.js';
import { makePrivateCa, startTinyproxy, type PrivateCa } from '../helpers/tinyproxy.js';

const template = join(import.meta.dirname, '..', 'fixtures', 'bad-recipes', 'network', 'recipes', 'fetchy.yaml');
const artifacts = await buildArtifacts();
const body = artifacts['other-1.0.tar.gz']!;
const path = '/via/other-1.0.tar.gz';
const tcz = Buffer.from('not really squashfs, but bytes with an md5\n');

let server: FixtureServer;
let ca: PrivateCa;
let tls: Server;
let tlsUrl: string;

beforeAll(async () => {
  server = await startFixtureServer({
    [path]: { body },
    '/v2/': { body: '{}', contentType: 'application/json' },
    '/11.x/x86_64/tcz/iptables.tcz': { body: tcz },
    '/11.x/x86_64/tcz/iptables.tcz.md5.txt': { body: `${createHash('md5').update(tcz).digest('hex')}  iptables.tcz\n` },
  });
  ca = await makePrivateCa();
  tls = createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    if (req.url === path) res.writeHead(200, { 'content-length': body.length }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (ca) await rm(ca.dir, { recursive: true, force: true });
  await server?.close();
  tls?.closeAllConnections();
  await new Promise<void>((resolve) => (tls ? tls.close(() => resolve()) : resolve()));
});

async function project(url: string, pinned = true): Promise<ProjectDirs> {
  const p = projectDirs(await testdir());
  await mkdir(p.recipesDir, { recursive: true });
  let text = fillPlaceholders((await readFile(template, 'utf8')).replaceAll('@ROUTE@', 'via'), server.url, artifacts);
  text = text.replace(`${server.url}${path}`, url);
  if (!pinned) text = text.replace(/sha256: [0-9a-f]{64}/, 'sha256: unpinned');
  await writeFile(join(p.recipesDir, 'fetchy.yaml'), text);
  return p;
}

const served = (p = path): number => server.requests.filter((r) => r === p).length;

describe('sources through a real proxy', () => {
  it('sends `all` downloads through HTTP_PROXY, as the proxy log shows', async () => {
    const proxy = await startTinyproxy();
    const before = served();
    const r = await runTczbuild(await project(`${server.url}${path}`), ['all'], { ...testEnv, HTTP_PROXY: proxy.url });
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    expect(await proxy.requests()).toEqual([`GET ${server.url}${path} HTTP/1.1`]);
    expect(served()).toBe(before + 1);
  });

  it('honours the lower-case http_proxy too', async () => {
    const proxy = await startTinyproxy();
    const r = await runTczbuild(await project(`${server.url}${path}`), ['all'], { ...testEnv, http_proxy: proxy.url });
    expect(r.code).toBe(0);
    expect(await proxy.requests()).toEqual([`GET ${server.url}${path} HTTP/1.1`]);
  });

  it('bypasses the proxy for hosts NO_PROXY lists', async () => {
    const proxy = await startTinyproxy();
    const before = served();
    const r = await runTczbuild(await project(`${server.url}${path}`), ['all'], { ...testEnv, HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' });
    expect(r.code).toBe(0);
    expect(served()).toBe(before + 1);
    expect(await proxy.requests()).toEqual([]);
  });

  it('tunnels HTTPS through CONNECT and trusts a private CA given with --ca-file', async () => {
    const proxy = await startTinyproxy();
    const env = { ...testEnv, HTTPS_PROXY: proxy.url };
    const refused = await runTczbuild(await project(`${tlsUrl}${path}`), ['all'], env);
    expect(refused.code).toBe(1);
    expect(refused.diagnostics.find((d) => d.id === 'fetch-failed')?.message).toMatch(/TLS certificate is not trusted.*--ca-file/);
    const r = await runTczbuild(await project(`${tlsUrl}${path}`), ['all', '--ca-file', ca.caFile], env);
    expect(r.diagnostics).toEqual([]);
    expect(r.code).toBe(0);
    const host = tlsUrl.replace('https://', '');
    expect(await proxy.requests()).toEqual([`CONNECT ${host} HTTP/1.1`, `CONNECT ${host} HTTP/1.1`]);
  });

  it('pins an unpinned source through the proxy', async () => {
    const proxy = await startTinyproxy();
    const p = await project(`${server.url}${path}`, false);
    const r = await runPin(p, ['fetchy'], { ...testEnv, HTTP_PROXY: proxy.url });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.code).toBe(0);
    expect(await readFile(join(p.recipesDir, 'fetchy.yaml'), 'utf8')).toContain(`sha256: ${sha256Of(body)}`);
    expect(await proxy.requests()).toEqual([`GET ${server.url}${path} HTTP/1.1`]);
  });
});

describe('Core-scripts through a real proxy', () => {
  it('downloads the pinned archive through HTTP_PROXY from a --source-mirror and verifies its tree', async () => {
    server.route(`/${archiveName}`, { body: await forgeArchive(coreScriptsCheckout()) });
    const proxy = await startTinyproxy();
    const dir = await testdir();
    const r = await tczbuild(['core-scripts', '--cache', 'cache', '--source-mirror', server.url, '--into', 'core'], { cwd: dir, env: { HTTP_PROXY: proxy.url, TCZBUILD_CORE_SCRIPTS: '' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await proxy.requests()).toEqual([`GET ${server.url}/${archiveName} HTTP/1.1`]);
    expect(await treeSha256(join(dir, 'core'))).toBe(coreScripts.treeSha256);
  });
});

describe('the registry client and serve --upstream through a real proxy', () => {
  it('sends registry requests through HTTP_PROXY', async () => {
    const proxy = await startTinyproxy();
    const res = await registryGet(`${server.url}/v2/`, { accept: 'application/json' }, defaultTimeouts, { env: { HTTP_PROXY: proxy.url } }, 'registry probe');
    expect(res.status).toBe(200);
    expect((await res.bytes(1024)).toString()).toBe('{}');
    expect(await proxy.requests()).toEqual([`GET ${server.url}/v2/ HTTP/1.1`]);
  });

  it("fetches serve --upstream's fall-through files through HTTP_PROXY", async () => {
    const proxy = await startTinyproxy();
    const cache = createUpstreamCache({ upstream: `${server.url}/`, cacheDir: await testdir(), origin: { network: { env: { http_proxy: proxy.url } } } });
    const got = await cache.ensure('11.x/x86_64/tcz/iptables.tcz');
    expect(got.kind).toBe('cached');
    if (got.kind === 'cached') expect(await readFile(got.path)).toEqual(tcz);
    const lines = await proxy.requests();
    expect(lines).toContain(`GET ${server.url}/11.x/x86_64/tcz/iptables.tcz HTTP/1.1`);
    expect(lines.every((l) => l.startsWith(`GET ${server.url}/11.x/x86_64/tcz/iptables.tcz`))).toBe(true);
  });
});
