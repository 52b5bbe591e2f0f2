/**
 * Debian's real `docker-registry` for tests: started on a free 127.0.0.1 port with its storage
 * in a temp dir, and loaded through the distribution API (monolithic blob uploads, manifest
 * PUTs) the way any client pushes. A missing binary fails the test (spawn error), never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Blob, FixtureImage } from './oci-fixtures.js';

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly log: () => string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Another process may grab the free port between probe and bind: try a few ports. */
export async function startRegistry(): Promise<TestRegistry> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRegistryOnce();
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).includes('address already in use')) throw error;
    }
  }
}

async function startRegistryOnce(): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-registry-'));
  const port = await freePort();
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => void (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => void (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(child, `${url}/v2/`, () => output);
  } catch (error) {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    log: () => output,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(child: ChildProcess, url: string, log: () => string): Promise<void> {
  let spawnError: Error | undefined;
  child.on('error', (e) => void (spawnError = e));
  for (let i = 0; i < 100; i++) {
    if (spawnError) throw new Error(`docker-registry could not start (apt-get install docker-registry): ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${url}:\n${log()}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export async function pushBlob(registry: string, repo: string, b: Blob): Promise<void> {
  const start = await fetch(`${registry}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`upload start for ${repo} answered ${start.status}: ${await start.text()}`);
  const location = new URL(start.headers.get('location') ?? '', registry);
  location.searchParams.set('digest', b.digest);
  const put = await fetch(location, { method: 'PUT', body: b.bytes, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob upload ${b.digest} answered ${put.status}: ${await put.text()}`);
}

export async function pushManifest(registry: string, repo: string, reference: string, m: Blob): Promise<void> {
  const put = await fetch(`${registry}/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: m.bytes, headers: { 'content-type': m.mediaType } });
  if (put.status !== 201) throw new Error(`manifest PUT ${repo}:${reference} answered ${put.status}: ${await put.text()}`);
}

/** Push an image's blobs and manifest; with `tag`, also tag it. */
export async function pushImage(registry: string, repo: string, image: FixtureImage, tag?: string): Promise<void> {
  for (const b of [image.config, ...image.layers]) await pushBlob(registry, repo, b);
  await pushManifest(registry, repo, tag ?? image.manifest.digest, image.manifest);
}

/** Push every platform image by digest, then the index under `tag`. */
export async function pushIndex(registry: string, repo: string, images: readonly FixtureImage[], index: Blob, tag: string): Promise<void> {
  for (const image of images) await pushImage(registry, repo, image);
  await pushManifest(registry, repo, tag, index);
}
