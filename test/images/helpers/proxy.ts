/**
 * A misbehaving front for a test registry: forwards every request to the real registry, but
 * on request flips a byte in a blob, swaps a manifest, cuts the connection halfway through a
 * blob, or demands anonymous bearer-token auth the way public registries do. Records requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxyBehaviour {
  /** Blob digests whose bytes get one byte flipped (length unchanged). */
  tamperBlobs?: Set<string>;
  /** Blob digests whose transfer is cut after half the bytes, every time. */
  dropBlobs?: Set<string>;
  /** Blob digest → how many more transfers to cut before serving it whole. */
  flakyBlobs?: Map<string, number>;
  /** Manifest reference (tag or digest) → bytes served instead of the registry's. */
  replaceManifests?: Map<string, Buffer>;
  /** Demand `Authorization: Bearer <token>`, handing tokens out at /token. */
  requireToken?: boolean;
}

export interface RegistryProxy {
  readonly url: string;
  readonly requests: string[];
  readonly behaviour: ProxyBehaviour;
  close(): Promise<void>;
}

const token = 'test-token-4f1c';

export async function startRegistryProxy(upstream: string, behaviour: ProxyBehaviour = {}): Promise<RegistryProxy> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let url = '';
  const server = createServer((req, res) => {
    requests.push(`${req.method ?? 'GET'} ${req.url ?? '/'}${req.headers.authorization ? ' (auth)' : ''}`);
    void handle(req, res).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    if (path.startsWith('/token')) {
      const scope = new URL(path, url).searchParams.get('scope') ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, scope }));
      return;
    }
    if (behaviour.requireToken && req.headers.authorization !== `Bearer ${token}`) {
      const repo = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(path)?.[1] ?? '';
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${url}/token",service="test-registry",scope="repository:${repo}:pull"` });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const manifestRef = /\/manifests\/([^/?]+)$/.exec(path)?.[1];
    const replaced = manifestRef ? behaviour.replaceManifests?.get(manifestRef) : undefined;
    const upstreamRes = await fetch(`${upstream}${path}`, { headers: { accept: String(req.headers.accept ?? '*/*') } });
    const body = Buffer.from(await upstreamRes.arrayBuffer());
    const blobDigest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
    const headers: Record<string, string> = { 'content-type': upstreamRes.headers.get('content-type') ?? 'application/octet-stream' };
    if (replaced) {
      res.writeHead(200, { ...headers, 'content-length': String(replaced.length) }).end(replaced);
      return;
    }
    const flaky = blobDigest ? (behaviour.flakyBlobs?.get(blobDigest) ?? 0) : 0;
    if (blobDigest && flaky > 0) behaviour.flakyBlobs?.set(blobDigest, flaky - 1);
    if (blobDigest && (behaviour.dropBlobs?.has(blobDigest) || flaky > 0)) {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    const out = blobDigest && behaviour.tamperBlobs?.has(blobDigest) ? flipLastByte(body) : body;
    res.writeHead(upstreamRes.status, { ...headers, 'content-length': String(out.length) }).end(out);
  }
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    behaviour,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function flipLastByte(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  if (copy.length > 0) copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
  return copy;
}
