/**
 * HTTPS, as every real upstream URL is: a download from a TLS server on 127.0.0.1 succeeds when
 * its certificate is trusted (NODE_EXTRA_CA_CERTS, in a child process because Node reads it at
 * start-up), and an untrusted certificate fails at once with a clear, unretried error.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { fetchSources } from '../../src/builder/fetch/fetch-sources.js';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import { TczError } from '../../src/diagnostics/errors.js';
import { testdir } from '../helpers/testdir.js';
import { noNetrc } from '../helpers/no-netrc.js';

const fixtures = 'test/builder/fetch/fixtures';
const payload = Buffer.from('served over TLS\n'.repeat(1000));
const payloadSha = createHash('sha256').update(payload).digest('hex');

async function startTlsServer(): Promise<{ url: string; requests: string[]; connections: () => number }> {
  const requests: string[] = [];
  let connections = 0;
  const server: Server = createServer(
    { key: await readFile(join(fixtures, 'tls-127.0.0.1.key')), cert: await readFile(join(fixtures, 'tls-127.0.0.1.crt')) },
    (req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-length': payload.length }).end(payload);
    },
  );
  server.on('connection', () => void connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.on('secureConnection', (s) => onTestFinished(() => void s.destroy()));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, connections: () => connections };
}

it('downloads over HTTPS from a server whose certificate is trusted', async () => {
  const server = await startTlsServer();
  const cacheDir = join(await testdir(), 'cache');
  const child = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'fetch-child.ts'), cacheDir, `${server.url}/demo.tgz`, payloadSha], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: join(fixtures, 'tls-127.0.0.1.crt') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(output).toBe('fetched\n');
  expect(code).toBe(0);
  expect(await readFile(new SourceCache(cacheDir).pathFor(payloadSha))).toEqual(payload);
});

it('refuses an untrusted certificate without retrying, saying how to trust a private CA', async () => {
  const server = await startTlsServer();
  const cache = new SourceCache(join(await testdir(), 'cache'));
  const spec = { id: 's', url: `${server.url}/demo.tgz`, sha256: payloadSha, kind: 'file' as const, hashAt: {}, at: { file: 'recipes/x.yaml', line: 3 } };
  const error = await fetchSources([spec], { cache, retries: 3, backoffMs: 1, network: { env: noNetrc() } }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TczError);
  const d = (error as TczError).diagnostics[0];
  expect(d).toMatchObject({ id: 'fetch-failed', file: 'recipes/x.yaml', line: 3 });
  expect(d?.message).toMatch(/TLS certificate is not trusted: .*\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
  expect(d?.message).toContain('NODE_EXTRA_CA_CERTS');
  expect(server.requests).toEqual([]);
  expect(server.connections()).toBe(1); // not retried
  expect(await cache.has(payloadSha)).toBe(false);
});
