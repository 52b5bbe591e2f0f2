/**
 * The registry client against a scripted HTTP server on 127.0.0.1: how it meets refused or
 * odd authentication, rate limits, flaky 5xx answers, oversized manifests and a stalled body.
 * Each ends in one diagnostic that says what happened, or in success after a retry.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { isTczError } from '../../src/diagnostics/errors.js';
import { ensureBlob } from '../../src/images/fetch-verified.js';
import { parseReference, type ImageReference } from '../../src/images/reference.js';
import { RegistryClient } from '../../src/images/registry/client.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { noNetrc } from '../helpers/no-netrc.js';

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ref = ((): ImageReference => {
  const r = parseReference('docker.io/openfaas/gateway:0.18.18');
  if (!r.ok) throw new Error(r.reason);
  return r.ref;
})();
const manifestPath = '/v2/openfaas/gateway/manifests/0.18.18';

async function serve(routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>, minRate?: { bytesPerSec: number; windowMs: number }): Promise<RegistryClient> {
  server = await startFixtureServer(Object.fromEntries(Object.entries(routes).map(([p, handler]) => [p, { handler }])));
  return new RegistryClient({ mirrors: { 'docker.io': server.url }, timeouts: { headersMs: 2000, idleMs: 300, ...(minRate ? { minRate } : {}) }, network: { env: noNetrc() } });
}

async function failure(p: Promise<unknown>): Promise<Diagnostic> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isTczError(error)) throw new Error(`expected a TczError, got ${String(error)}`);
  expect(error.diagnostics).toHaveLength(1);
  return error.diagnostics[0]!;
}

const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));

describe('registry client', () => {
  it('refuses a 401 that offers no Bearer challenge', async () => {
    const client = await serve({ [manifestPath]: (_q, res) => void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end() });
    const d = await failure(client.manifest(ref, '0.18.18'));
    expect([d.id, d.message]).toEqual(['registry-auth-failed', expect.stringContaining('answered 401 without a Bearer token challenge')]);
  });

  it('names the token service when it refuses a token', async () => {
    const client = await serve({
      [manifestPath]: (_q, res) => void res.writeHead(401, { 'www-authenticate': `Bearer realm="${server!.url}/token",service="reg"` }).end(),
      '/token': (_q, res) => void res.writeHead(403).end(),
    });
    const d = await failure(client.manifest(ref, '0.18.18'));
    expect(d.id).toBe('registry-auth-failed');
    expect(d.message).toContain(`the token service ${server!.url}/token?service=reg&scope=repository%3Aopenfaas%2Fgateway%3Apull answered 403`);
  });

  it('says so when the registry refuses the token it handed out', async () => {
    const client = await serve({
      [manifestPath]: (_q, res) => void res.writeHead(401, { 'www-authenticate': `Bearer realm="${server!.url}/token"` }).end(),
      '/token': (_q, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"abc"}'),
    });
    const d = await failure(client.manifest(ref, '0.18.18'));
    expect([d.id, d.message]).toEqual(['registry-auth-failed', expect.stringContaining('refused the token it handed out')]);
  });

  it('names a rate limit and does not hammer the registry', async () => {
    const client = await serve({
      [manifestPath]: (_q, res) => void res.writeHead(429, { 'content-type': 'application/json' }).end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}'),
    });
    const d = await failure(client.manifest(ref, '0.18.18'));
    expect(d.id).toBe('registry-failed');
    expect(d.message).toContain('answered 429 (TOOMANYREQUESTS: slow down) (rate limited');
    expect(server!.requests).toHaveLength(1);
  });

  it('refuses a manifest bigger than any real one', async () => {
    const client = await serve({ [manifestPath]: (_q, res) => void res.writeHead(200).end(Buffer.alloc(5 * 1024 * 1024, 32)) });
    const d = await failure(client.manifest(ref, '0.18.18'));
    expect([d.id, d.message]).toEqual(['registry-failed', expect.stringContaining('sent more than 4194304 bytes')]);
  });

  it('retries a 503 and a stalled body until the blob arrives', async () => {
    const dir = await testdir();
    const cache = new SourceCache(join(dir, 'cache'));
    const blob = Buffer.from('layer bytes');
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    let calls = 0;
    const client = await serve({
      [`/v2/openfaas/gateway/blobs/${digest}`]: (_q, res) => {
        calls++;
        if (calls === 1) return void res.writeHead(503).end();
        if (calls === 2) return void res.writeHead(200, { 'content-length': String(blob.length) }).write(blob.subarray(0, 3));
        res.writeHead(200, { 'content-length': String(blob.length) }).end(blob);
      },
    });
    await ensureBlob(ref, { mediaType: 'application/octet-stream', digest, size: blob.length }, { cache, client, backoffMs: 10 });
    expect(calls).toBe(3);
    expect(await cache.get(digest.slice(7))).toBeDefined();
  });

  it('reports a stalled body after the idle timeout, every attempt', async () => {
    const dir = await testdir();
    const digest = `sha256:${'0'.repeat(64)}`;
    const client = await serve({ [`/v2/openfaas/gateway/blobs/${digest}`]: (_q, res) => void res.writeHead(200, { 'content-length': '100' }).write('x') });
    const started = Date.now();
    const d = await failure(ensureBlob(ref, { mediaType: 'x', digest, size: 100 }, { cache: new SourceCache(join(dir, 'c')), client, backoffMs: 10 }));
    expect(d.id).toBe('registry-failed');
    expect(d.message).toMatch(/broke off after 1 bytes: no data for 300 ms \(after 3 attempts\)$/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up on a blob that trickles below the minimum rate, naming the URL and the rate', async () => {
    const dir = await testdir();
    const digest = `sha256:${'1'.repeat(64)}`;
    let calls = 0;
    const trickle = (req: IncomingMessage, res: ServerResponse): void => {
      calls++;
      res.writeHead(200, { 'content-length': '100000' });
      // One byte every 50 ms never trips the 300 ms idle timeout.
      const timer = setInterval(() => res.write('x'), 50);
      req.socket.on('close', () => clearInterval(timer));
    };
    const client = await serve({ [`/v2/openfaas/gateway/blobs/${digest}`]: trickle }, { bytesPerSec: 1000, windowMs: 400 });
    const d = await failure(ensureBlob(ref, { mediaType: 'x', digest, size: 100000 }, { cache: new SourceCache(join(dir, 'c')), client, backoffMs: 10 }));
    expect(d.id).toBe('registry-failed');
    expect(d.message).toContain(`${server!.url}/v2/openfaas/gateway/blobs/${digest}`);
    expect(d.message).toMatch(/too slow: \d+ bytes in the last 0\.4 s \(\d+ B\/s, after \d+ of 100000 bytes\), below the minimum of 1000 B\/s \(after 3 attempts\)$/);
    expect(calls).toBe(3);
  });

  it('accepts a manifest and reports its true digest', async () => {
    const client = await serve({ [manifestPath]: (_q, res) => void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest) });
    const got = await client.manifest(ref, '0.18.18');
    expect(got.digest).toBe(`sha256:${createHash('sha256').update(manifest).digest('hex')}`);
    expect(got.contentType).toBe('application/vnd.oci.image.manifest.v1+json');
  });
});
