/**
 * A TCP port on 127.0.0.1 that nothing listens on at this moment, for a program started with
 * a port of its own choosing (docker-registry, tinyproxy, nginx, a test daemon). Another process
 * may take it before that program binds: callers that can retry do.
 */
import { createServer, type AddressInfo } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
