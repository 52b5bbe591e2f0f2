/**
 * Two builds (or a build and a serve) refreshing the same cached upstream index set at once:
 * neither may fail, and a reader of the set's directory must never find md5.db.gz missing,
 * at any moment of either refresh. And a process that refreshes again and again (a long-lived
 * caller of the library) keeps using its connections instead of opening a new pool each time.
 */
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureUpstreamIndexes, upstreamIndexDirFor } from '../../src/mirror/upstream-indexes.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { noNetrc } from '../helpers/no-netrc.js';

const tcz = '/11.x/x86_64/tcz';
let server: FixtureServer | undefined;
let cacheDir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe('refreshing the upstream indexes', () => {
  it('never leaves the set missing while two writers refresh it and a reader reads it', async () => {
    server = await startFixtureServer({
      [`${tcz}/md5.db.gz`]: { body: gzipSync(`${'a'.repeat(32)}  lz4.tcz\n`) },
      [`${tcz}/dep.db.gz`]: { body: gzipSync('lz4.tcz\n') },
    });
    cacheDir = await mkdtemp(join(tmpdir(), 'tczbuild-upidx-'));
    const o = { upstream: server.url, tcVersion: '11', arch: 'x86_64', cacheDir, network: { env: noNetrc() } };
    const dir = await ensureUpstreamIndexes({ ...o, maxAgeMs: 3_600_000 });
    expect(dir).toBe(upstreamIndexDirFor(o));

    let writing = true;
    let missing = 0;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        reads++;
        await access(join(dir, 'md5.db.gz')).catch(() => missing++);
      }
    })();
    // maxAgeMs 0: every call re-fetches and replaces the set, as `all --upstream-max-age 0` does
    const writer = async () => {
      for (let i = 0; i < 15; i++) await ensureUpstreamIndexes({ ...o, maxAgeMs: 0 });
    };
    const results = await Promise.allSettled([writer(), writer()]);
    writing = false;
    await reader;
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
    expect(reads).toBeGreaterThan(30);
    expect(missing).toBe(0);
    await access(join(dir, 'md5.db.gz'));
    await access(join(dir, 'dep.db.gz'));
    // sets superseded in the race are swept once old, not kept forever beside the current one
    await ensureUpstreamIndexes({ ...o, maxAgeMs: 0, now: () => Date.now() + 3_600_000 });
    const left = (await readdir(dirname(dir))).filter((n) => n.startsWith(basename(dir)));
    expect(left).toHaveLength(2); // the symlink and the set it names
    await access(join(dir, 'md5.db.gz'));
  }, 60_000);

  it('reuses its connections across refreshes instead of opening a pool per refresh', async () => {
    // every index file present: a 404 is dropped unread, which may cost its connection
    const names = ['info.lst', 'sizelist', 'md5.db', 'tags.db', 'provides.db', 'dep.db'];
    server = await startFixtureServer(Object.fromEntries(names.map((n) => [`${tcz}/${n}.gz`, { body: gzipSync(`${n}\n`) }])));
    cacheDir = await mkdtemp(join(tmpdir(), 'tczbuild-upidx-'));
    const o = { upstream: server.url, tcVersion: '11', arch: 'x86_64', cacheDir, network: { env: noNetrc() }, maxAgeMs: 0 };
    for (let i = 0; i < 10; i++) await ensureUpstreamIndexes(o);
    expect(server.requests).toHaveLength(10 * names.length);
    // a pool per refresh opens a connection per refresh (10); one pool keeps one alive from the
    // first request to the last (a second only if the machine stalls past undici's 4 s keep-alive)
    expect(server.connections()).toBeLessThanOrEqual(2);
  }, 60_000);
});
