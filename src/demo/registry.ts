/**
 * Debian's `docker-registry` on a free 127.0.0.1 port with its storage in a temp dir: for
 * `npm run demo` with the OpenFaaS stack it stands in for docker.io (`--registry-mirror`) and is
 * the registry the box pulls a function from; the image tests push their fixtures to it. Started
 * and stopped here; nothing else. A missing binary is an error, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest } from '../util/http/request.js';
import type { NetworkSettings } from '../util/network-settings.js';
import { freePort } from './free-port.js';

export interface LocalRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** What the registry wrote to stdout and stderr so far. */
  readonly log: () => string;
  stop(): Promise<void>;
}

/** Start a registry; `network` is for the readiness probe. Another process may grab the free port between probe and bind: a few ports are tried. */
export async function startLocalRegistry(network: NetworkSettings): Promise<LocalRegistry> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(network);
    } catch (error) {
      if (attempt >= 3 || !(error as Error).message.includes('address already in use')) throw error;
    }
  }
}

async function startOnce(network: NetworkSettings): Promise<LocalRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-registry-'));
  const port = await freePort();
  await writeFile(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => void (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => void (output += c.toString()));
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(child, `${url}/v2/`, network, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, log: () => output, stop };
}

async function waitReady(child: ChildProcess, url: string, network: NetworkSettings, log: () => string): Promise<void> {
  let spawnError: Error | undefined;
  child.once('error', (e) => void (spawnError = e));
  for (let i = 0; i < 100; i++) {
    if (spawnError) throw new Error(`docker-registry could not start (scripts/setup.sh installs it): ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${log()}`);
    const answered = await httpRequest(url, { network, timeoutMs: 5_000 }).then(
      async (r) => {
        await r.bytes(1 << 20);
        return r.status === 200;
      },
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${url}:\n${log()}`);
}

/** SIGTERM, then SIGKILL after five seconds; resolves once the child has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
