/**
 * A real HTTP server on 127.0.0.1 that serves fixture bytes through the same fetch code users
 * run, and misbehaves on request: status codes, connection resets, stalls, truncated bodies.
 * Every request is recorded so tests can assert what was (not) fetched.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Route =
  | { readonly body: Buffer | string; readonly contentType?: string }
  | { readonly status: number; readonly body?: string }
  | { readonly reset: true }
  | { readonly stallAfter: number; readonly body: Buffer | string }
  | { readonly truncateAt: number; readonly body: Buffer | string }
  /** Announce the whole body, then send one byte every `everyMs` for as long as the client stays. */
  | { readonly trickleEveryMs: number; readonly body: Buffer | string }
  | { readonly handler: (req: IncomingMessage, res: ServerResponse) => void };

export interface FixtureServer {
  readonly url: string;
  readonly requests: string[];
  /** TCP connections accepted so far: a client that reuses its connections opens few. */
  readonly connections: () => number;
  route(path: string, route: Route): void;
  close(): Promise<void>;
}

export async function startFixtureServer(routes: Record<string, Route> = {}): Promise<FixtureServer> {
  const table = new Map(Object.entries(routes));
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    requests.push(path);
    const r = table.get(path);
    if (!r) {
      res.writeHead(404).end('not found');
      return;
    }
    serve(r, req, res);
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    route: (path, route) => void table.set(path, route),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(r: Route, req: IncomingMessage, res: ServerResponse): void {
  if ('handler' in r) return r.handler(req, res);
  if ('reset' in r) return void req.socket.destroy();
  if ('status' in r) return void res.writeHead(r.status).end(r.body ?? '');
  const body = Buffer.from(r.body);
  res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
  if ('stallAfter' in r) {
    res.write(body.subarray(0, r.stallAfter));
    return; // never finishes: the client's idle timeout must fire
  }
  if ('trickleEveryMs' in r) {
    let at = 0;
    const timer = setInterval(() => void (at < body.length && res.write(body.subarray(at, ++at))), r.trickleEveryMs);
    res.on('close', () => clearInterval(timer));
    return;
  }
  if ('truncateAt' in r) {
    res.write(body.subarray(0, r.truncateAt), () => req.socket.destroy());
    return;
  }
  res.end(body);
}
