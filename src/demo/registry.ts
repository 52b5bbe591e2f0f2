/**
 * Debian's `docker-registry` on a free 127.0.0.1 port with its storage in a temp dir, for
 * `npm run demo` with the OpenFaaS stack: it stands in for docker.io (`--registry-mirror`) and
 * is the registry the box pulls a function from. Started and stopped here; nothing else.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../util/http/request.js';
import { demoNetwork } from './network.js';

export interface LocalRegistry {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-demo-registry-'));
  const port = await freePort();
  await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (c: Buffer) => void (log += c.toString()));
  let spawnError: Error | undefined;
  child.once('error', (e) => void (spawnError = e));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (spawnError) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`docker-registry could not start (scripts/setup.sh installs it): ${spawnError.message}`);
    }
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited with ${child.exitCode}:\n${log}`);
    }
    const answered = await httpRequest(`${url}/v2/`, { network: demoNetwork, timeoutMs: 5_000 }).then(
      async (r) => {
        await r.bytes(1 << 20);
        return r.status === 200;
      },
      () => false,
    );
    if (answered) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`docker-registry did not answer on ${url}/v2/:\n${log}`);
}
