/**
 * The remote output cache against hostile servers on 127.0.0.1: a blob that trickles a byte at
 * a time, one whose body never ends, one slower than the deadline, and entries that are
 * incomplete or whose .md5.txt disagrees with the .tcz. Each is a warning and a miss (the
 * caller builds) in bounded time, with nothing published from it and nothing left in the
 * local cache but verified blobs.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeActionResult, type CachedFile } from '../../../src/builder/output-cache/action-result.js';
import { requiredCompanions } from '../../../src/builder/output-cache/complete.js';
import { OutputCache } from '../../../src/builder/output-cache/output-cache.js';
import { collectingReporter } from '../../../src/report/reporter.js';
import { startFixtureServer, type FixtureServer, type Route } from '../../helpers/fixture-server.js';
import { testdir } from '../../helpers/testdir.js';
import { noNetrc } from '../../helpers/no-netrc.js';

const key = 'a'.repeat(64);
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer | string): string => createHash('md5').update(b).digest('hex');
const tcz = Buffer.alloc(20_000, 4);
const companions: Record<string, string> = {
  'app.tcz.md5.txt': `${md5(tcz)}  app.tcz\n`,
  'app.tcz.info': 'Title:\tapp.tcz\n',
  'app.tcz.list': 'usr/local/bin/app\n',
  'app.tcz.build.json': '{}\n',
};

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A cache server holding an entry for `files` (name → bytes), each blob served by `blob` (default: plainly). */
async function cacheServer(files: Record<string, Buffer | string>, blob: (body: Buffer) => Route = (body) => ({ body })): Promise<FixtureServer> {
  const manifest: CachedFile[] = Object.entries(files).map(([name, b]) => ({ name, sha256: sha256(b), size: Buffer.byteLength(b) }));
  const routes: Record<string, Route> = { [`/ac/${key}`]: { body: encodeActionResult(manifest) } };
  for (const [name, b] of Object.entries(files)) routes[`/cas/${sha256(b)}`] = name === 'app.tcz' ? blob(Buffer.from(b)) : { body: b };
  server = await startFixtureServer(routes);
  return server;
}

async function restore(s: FixtureServer, bounds: { minRate?: { bytesPerSec: number; windowMs: number }; deadlineMs?: number } = {}) {
  const dir = await testdir();
  const reporter = collectingReporter();
  const cache = new OutputCache({ cacheDir: join(dir, 'cache'), remote: { url: s.url, upload: false, timeoutMs: 2000, network: { env: noNetrc() }, ...bounds } }, reporter);
  const started = Date.now();
  const hit = await cache.restore('app', key, join(dir, 'work'), '11.x/x86_64/tcz', requiredCompanions(false));
  const warnings = reporter.events.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic.message] : []));
  const blobs = await readdir(join(dir, 'cache', 'outputs', 'sha256')).catch(() => [] as string[]);
  return { hit, warnings, ms: Date.now() - started, blobs };
}

/** Send `body` one byte every `everyMs`, announcing `announce` bytes (default: the body's length). */
const trickle = (everyMs: number, announce?: number) => (body: Buffer): Route => ({
  handler: (_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-length': announce ?? body.length });
    let at = 0;
    const t = setInterval(() => void res.write(body.subarray(at % body.length, (at++ % body.length) + 1)), everyMs);
    res.on('close', () => clearInterval(t));
  },
});

describe('remote output cache bounds', { timeout: 30_000 }, () => {
  it('restores a complete, consistent entry', async () => {
    const r = await restore(await cacheServer({ 'app.tcz': tcz, ...companions }));
    expect(r.warnings).toEqual([]);
    expect(r.hit?.files.map((f) => f.rel).sort()).toEqual(['app.tcz', ...Object.keys(companions)].map((n) => `11.x/x86_64/tcz/${n}`).sort());
    expect(r.hit?.md5).toBe(md5(tcz));
  });

  it('gives up on a blob that trickles below the minimum rate, long before it would finish', async () => {
    const r = await restore(await cacheServer({ 'app.tcz': tcz, ...companions }, trickle(300)), { minRate: { bytesPerSec: 1000, windowMs: 1000 } });
    expect(r.hit).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/downloading app\.tcz failed: the transfer is too slow/);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.blobs).toEqual([]);
  });

  it('gives up on a blob past its deadline', async () => {
    // 10 bytes every 10 ms (1000 B/s) passes the rate; 20 kB would take 20 s
    const steady = (body: Buffer): Route => ({
      handler: (_req, res: ServerResponse) => {
        res.writeHead(200, { 'content-length': body.length });
        let at = 0;
        const t = setInterval(() => void res.write(body.subarray(at, (at += 10))), 10);
        res.on('close', () => clearInterval(t));
      },
    });
    const r = await restore(await cacheServer({ 'app.tcz': tcz, ...companions }, steady), { minRate: { bytesPerSec: 100, windowMs: 1000 }, deadlineMs: 1500 });
    expect(r.hit).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/took longer than its deadline of 1\.5 s/);
    expect(r.ms).toBeLessThan(10_000);
  });

  it('stops an endless blob at the size its entry names, without a Content-Length', async () => {
    let sent = 0;
    const endless = (): Route => ({
      handler: (_req, res: ServerResponse) => {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 1);
        const t = setInterval(() => void (res.write(chunk), (sent += chunk.length)), 2);
        res.on('close', () => clearInterval(t));
      },
    });
    const r = await restore(await cacheServer({ 'app.tcz': tcz, ...companions }, endless));
    expect(r.hit).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/larger than the limit of 20000 bytes/);
    expect(sent).toBeLessThan(5 * 1024 * 1024);
    expect(r.blobs).toEqual([]);
  });
});

describe('remote output cache consistency', { timeout: 30_000 }, () => {
  it('refuses an entry with only NAME.tcz, before downloading it', async () => {
    const s = await cacheServer({ 'app.tcz': tcz });
    const r = await restore(s);
    expect(r.hit).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(/is incomplete: it lacks app\.tcz\.md5\.txt, app\.tcz\.info, app\.tcz\.list, app\.tcz\.build\.json; building instead/);
    expect(s.requests.filter((p) => p.startsWith('/cas/'))).toEqual([]);
  });

  it('refuses an entry whose .md5.txt disagrees with its .tcz', async () => {
    const r = await restore(await cacheServer({ 'app.tcz': tcz, ...companions, 'app.tcz.md5.txt': `${'0'.repeat(32)}  app.tcz\n` }));
    expect(r.hit).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(new RegExp(`inconsistent: its app\\.tcz\\.md5\\.txt says 0{32}, but app\\.tcz has md5 ${md5(tcz)}`));
  });
});
