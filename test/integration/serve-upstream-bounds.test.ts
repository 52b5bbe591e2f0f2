/**
 * `serve --upstream` against a hostile upstream (issue 12, item 2): an endless body, a
 * Content-Length over the cap, a trickle, a transfer past the total deadline, and a client that
 * leaves mid-download. Each ends with a 502/504 to the client (or a cancelled transfer), nothing
 * in the cache and no partial file left; the upstream sees its connection closed.
 */
import { readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamCacheDirFor } from '../../src/mirror/upstream-cache.js';
import { startMirrorWithUpstream, stopMirrorWithUpstream, type UpstreamPair } from '../mirror/upstream-pair.js';

const dir = '/11.x/x86_64/tcz';
const chunk = Buffer.alloc(64 * 1024, 1);
let pair: UpstreamPair;
/** Upstream paths whose response connection has closed, in order. */
const closed: string[] = [];
/** Writes each upstream response made before its connection closed. */
const writes = new Map<string, number>();
let cacheAtStart: string[] = [];

/** An upstream response that writes `bytes` every `everyMs` until the client hangs up. */
function endless(bytes: Buffer, everyMs: number, headers: Record<string, number | string> = {}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...headers });
    const url = req.url ?? '';
    writes.set(url, 0);
    const timer = setInterval(() => {
      res.write(bytes);
      writes.set(url, (writes.get(url) ?? 0) + 1);
    }, everyMs);
    res.on('close', () => {
      clearInterval(timer);
      closed.push(url);
    });
  };
}

beforeAll(async () => {
  pair = await startMirrorWithUpstream(
    {
      [`${dir}/endless.tcz`]: { handler: endless(chunk, 5) },
      [`${dir}/huge.tcz`]: { handler: endless(chunk, 5, { 'content-length': 50 * 1024 * 1024 }) },
      [`${dir}/trickle.tcz`]: { handler: endless(Buffer.from('x'), 200, { 'content-length': 1024 * 1024 }) },
      [`${dir}/slow.tcz`]: { handler: endless(chunk.subarray(0, 16 * 1024), 100, { 'content-length': 2 * 1024 * 1024 }) },
      [`${dir}/left.tcz`]: { handler: endless(chunk.subarray(0, 16 * 1024), 100) },
    },
    { maxBytes: 2 * 1024 * 1024, timeoutMs: 3000, minBytesPerSec: 1024, rateWindowMs: 1000, deadlineMs: 4000 },
  );
  // the cache this server writes to is under the directory walked below (else the check means nothing)
  expect(upstreamCacheDirFor(pair.cacheDir, pair.upstream.url).startsWith(pair.cacheDir)).toBe(true);
  cacheAtStart = await filesUnder(pair.cacheDir);
});
afterAll(() => stopMirrorWithUpstream(pair));

/** Every file under the whole cache directory, wherever a partial download might be left. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name)).sort();
}

/** Files the cache gained since the server started (what it holds from the start is not a leftover). */
async function cacheLeftovers(): Promise<string[]> {
  const now = await filesUnder(pair.cacheDir);
  return now.filter((f) => !cacheAtStart.includes(f));
}

async function closedUpstream(name: string): Promise<void> {
  while (!closed.includes(`${dir}/${name}`)) await new Promise((r) => setTimeout(r, 50));
}

describe('serve --upstream against a hostile upstream', () => {
  it.each([
    ['an endless body past the size cap', 'endless.tcz', 502, /exceeds the 2097152-byte cap/],
    ['a Content-Length over the size cap', 'huge.tcz', 502, /52428800 bytes, over the 2097152-byte cap/],
    ['a 1-byte trickle', 'trickle.tcz', 504, /too slow: .* below the minimum of 1024 B\/s/],
    ['a steady transfer past the total deadline', 'slow.tcz', 504, /within 4s/],
  ])('%s (%s): answers %i, caches nothing and closes the upstream connection', async (_name, file, status, reason) => {
    const r = await fetch(`${pair.server.url}${dir}/${file}`);
    expect(r.status).toBe(status);
    expect(await r.text()).toMatch(reason);
    await closedUpstream(file);
    expect(await cacheLeftovers()).toEqual([]);
  });

  it('cancels the upstream download when the only client waiting for it leaves', async () => {
    const abort = new AbortController();
    const pending = fetch(`${pair.server.url}${dir}/left.tcz`, { signal: abort.signal }).catch(() => undefined);
    while (!pair.upstream.requests.includes(`${dir}/left.tcz`)) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // the transfer is under way
    abort.abort();
    await pending;
    await closedUpstream('left.tcz'); // the test timeout bounds this wait
    // cancelled when the client left (~3 writes in), not ended by the 4 s deadline (~40 writes)
    expect(writes.get(`${dir}/left.tcz`)).toBeLessThan(20);
    expect(await cacheLeftovers()).toEqual([]);
  });
});
