/**
 * `--registry-mirror HOST=http://user:password@mirror/`: the credentials reach the mirror as
 * Basic auth (and its token service on the same host), never another host a blob redirect leads
 * to, and never a message. A scripted registry on 127.0.0.1 checks each Authorization header.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isTczError } from '../../src/diagnostics/errors.js';
import { parseReference, type ImageReference } from '../../src/images/reference.js';
import { RegistryClient } from '../../src/images/registry/client.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { noNetrc } from '../helpers/no-netrc.js';

let servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const ref = ((): ImageReference => {
  const r = parseReference('docker.io/openfaas/gateway:0.18.18');
  if (!r.ok) throw new Error(r.reason);
  return r.ref;
})();
const manifestPath = '/v2/openfaas/gateway/manifests/0.18.18';
const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));
const password = 'pw-Zq8!x7#secret';
const basic = `Basic ${Buffer.from(`bob:${password}`).toString('base64')}`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
async function server(routes: Record<string, Handler>): Promise<FixtureServer> {
  const s = await startFixtureServer(Object.fromEntries(Object.entries(routes).map(([p, handler]) => [p, { handler }])));
  servers.push(s);
  return s;
}
const client = (s: FixtureServer, pass = password): RegistryClient =>
  new RegistryClient({ mirrors: { 'docker.io': s.url.replace('http://', `http://bob:${encodeURIComponent(pass)}@`) }, timeouts: { headersMs: 2000, idleMs: 1000 }, network: { env: noNetrc() } });

describe('registry mirror credentials', () => {
  it('sends them as Basic auth to a mirror that asks for a password', async () => {
    const seen: Array<string | undefined> = [];
    const s = await server({
      [manifestPath]: (req, res) => {
        seen.push(req.headers.authorization);
        if (req.headers.authorization !== basic) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="mirror"' }).end();
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
      },
    });
    const got = await client(s).manifest(ref, '0.18.18');
    expect(got.bytes.equals(manifest)).toBe(true);
    expect(seen).toEqual([basic]);
  });

  it('sends them to the token service on the mirror host, then uses the token', async () => {
    const seen: Array<[string, string | undefined]> = [];
    const s = await server({
      [manifestPath]: (req, res) => {
        seen.push(['manifest', req.headers.authorization]);
        if (req.headers.authorization !== 'Bearer t0k') return void res.writeHead(401, { 'www-authenticate': `Bearer realm="${s.url}/token",service="mirror"` }).end();
        res.writeHead(200).end(manifest);
      },
      '/token': (req, res) => {
        seen.push(['token', req.headers.authorization]);
        if (req.headers.authorization !== basic) return void res.writeHead(401).end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 't0k' }));
      },
    });
    await client(s).manifest(ref, '0.18.18');
    expect(seen).toEqual([['manifest', basic], ['token', basic], ['manifest', 'Bearer t0k']]);
  });

  it('never sends them to another host a blob redirect leads to', async () => {
    const blob = Buffer.from('layer bytes');
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const elsewhere: Array<string | undefined> = [];
    const storage = await server({ '/blob': (req, res) => (elsewhere.push(req.headers.authorization), void res.writeHead(200, { 'content-length': blob.length }).end(blob)) });
    const s = await server({ [`/v2/openfaas/gateway/blobs/${digest}`]: (_req, res) => void res.writeHead(307, { location: `${storage.url}/blob` }).end() });
    const got = await client(s).blob(ref, digest);
    const parts: Uint8Array[] = [];
    for await (const c of got.body) parts.push(c);
    expect(Buffer.concat(parts).equals(blob)).toBe(true);
    expect(elsewhere).toEqual([undefined]);
  });

  it('says the mirror refused them, without showing the password', async () => {
    const s = await server({ [manifestPath]: (_req, res) => void res.writeHead(401, { 'www-authenticate': 'Basic realm="mirror"' }).end() });
    const error = await client(s, 'wrong-pass').manifest(ref, '0.18.18').catch((e: unknown) => e);
    if (!isTczError(error)) throw new Error(`expected a TczError, got ${String(error)}`);
    const d = error.diagnostics[0]!;
    expect(d.id).toBe('registry-auth-failed');
    expect(d.message).toMatch(/refused the user name and password its --registry-mirror URL carries \(401\)/);
    expect(d.message).toContain(`: ${s.url}${manifestPath} refused`); // the URL shown has no userinfo
    for (const secret of ['wrong-pass', 'bob:']) expect(`${d.message} ${d.hint ?? ''}`).not.toContain(secret);
  });
});
