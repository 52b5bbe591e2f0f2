/**
 * An upstream whose "index" is 400 MiB (issue 20): the real `tczbuild serve --upstream` process
 * answers the index request with a 502 naming the cap, and its peak memory stays bounded (it had
 * grown by 1.2 GiB); `index --upstream` refuses it with a clear diagnostic and keeps nothing.
 * The 400 MiB body is generated as it is sent, never written to disk.
 */
import { readFile, readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { killGroup, sleep, startCli, type CliProcess } from '../faults/helpers/spawn-cli.js';
import { makeGoodMirror, type FixtureMirror } from '../mirror/fixture-mirror.js';

const huge = 400 * 1024 * 1024;
/** Bytes the upstream managed to send per path before the client hung up. */
const sent = new Map<string, number>();

/** A gzip-looking body of `huge` bytes, made chunk by chunk as the socket drains. */
function lazyIndex(announce: boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/gzip', ...(announce ? { 'content-length': huge } : {}) });
    const chunk = Buffer.alloc(1024 * 1024, 0);
    chunk[0] = 0x1f;
    chunk[1] = 0x8b;
    let n = 0;
    const pump = (): void => {
      while (n < huge && !res.destroyed) {
        n += chunk.length;
        sent.set(req.url ?? '', n);
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (n >= huge) res.end();
    };
    pump();
  };
}

let upstream: FixtureServer;
let mirror: FixtureMirror;
let serve: CliProcess | undefined;

beforeAll(async () => {
  upstream = await startFixtureServer({
    '/15.x/x86_64/tcz/md5.db.gz': { handler: lazyIndex(false) },
    '/15.x/x86_64/tcz/dep.db.gz': { handler: lazyIndex(true) },
    '/11.x/x86_64/tcz/md5.db.gz': { handler: lazyIndex(false) },
  });
  mirror = await makeGoodMirror();
});
afterAll(async () => {
  if (serve) killGroup(serve);
  await upstream.close();
});

/** Peak resident memory of a process, from the kernel's own high-water mark. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

describe('an upstream index of 400 MiB', () => {
  it('serve --upstream answers 502 naming the index cap and stays under its memory bound', async () => {
    const dir = await testdir();
    serve = startCli(['serve', '--out', mirror.out, '--port', '0', '--upstream', upstream.url, '--cache', join(dir, 'cache')], dir);
    let port: string | undefined;
    let output = '';
    serve.child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    for (let i = 0; i < 200 && port === undefined; i++) {
      port = /on http:\/\/127\.0\.0\.1:(\d+)\//.exec(output)?.[1];
      if (port === undefined) await sleep(100);
    }
    expect(port).toBeDefined();
    const before = await peakRssMiB(serve.pid);

    const chunked = await fetch(`http://127.0.0.1:${port}/15.x/x86_64/tcz/md5.db.gz`);
    expect(chunked.status).toBe(502);
    expect(await chunked.text()).toMatch(/upstream index md5\.db\.gz exceeds the 33554432-byte cap/);
    const announced = await fetch(`http://127.0.0.1:${port}/15.x/x86_64/tcz/dep.db.gz`);
    expect(announced.status).toBe(502);
    expect(await announced.text()).toMatch(/upstream index dep\.db\.gz is 419430400 bytes, over the 33554432-byte cap/);

    // the transfer was cut off near the cap, not read to the end
    expect(sent.get('/15.x/x86_64/tcz/md5.db.gz')).toBeLessThan(huge / 4);
    const peak = await peakRssMiB(serve.pid);
    expect(peak - before).toBeLessThan(150);
    expect(peak).toBeLessThan(400);
    const cached = await readdir(join(dir, 'cache'), { recursive: true }).catch(() => []);
    expect(cached.filter((f) => String(f).endsWith('.gz'))).toEqual([]);
  }, 60_000);

  it('index --upstream refuses it with a diagnostic naming the cap, and caches nothing', async () => {
    const dir = await testdir();
    const run = await tczbuild(['index', mirror.out, '--upstream', upstream.url, '--cache', join(dir, 'cache'), '--json'], { cwd: dir });
    expect(run.code).not.toBe(0);
    const [d] = diagnosticsOf(run);
    expect(d?.id).toBe('upstream-index-unavailable');
    expect(d?.message).toMatch(/md5\.db\.gz is more than 33554432 bytes, over the 33554432-byte cap for an index/);
    const kept = await readdir(join(dir, 'cache'), { recursive: true }).catch(() => []);
    expect(kept.filter((f) => String(f).endsWith('.gz'))).toEqual([]);
  }, 60_000);
});
