/**
 * With an upstream mirror configured, `index` and `all` merge its indexes by default: fetched
 * from a stand-in upstream over real HTTP, cached, fetched again only when stale, the cached copy
 * kept when the upstream is down, and a clear error when there is nothing to fall back on. What
 * a user checks: the md5.db.gz TinyCore's tce-size/tce-update read, and verify's findings.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyMirror } from '../../src/mirror/verify/run.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { makeGoodMirror } from '../mirror/fixture-mirror.js';
import { createSpineProject } from './helpers/spine-project.js';

const tcz = '/11.x/x86_64/tcz';
const md5 = (n: string, c: string) => `${c.repeat(32)}  ${n}\n`;
let servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function standInUpstream(md5db: string): Promise<FixtureServer> {
  const s = await startFixtureServer({
    [`${tcz}/md5.db.gz`]: { body: gzipSync(md5db) },
    [`${tcz}/dep.db.gz`]: { body: gzipSync('iptables.tcz\n\n') },
  });
  servers.push(s);
  return s;
}

const listed = async (tczDir: string): Promise<string> => gunzipSync(await readFile(join(tczDir, 'md5.db.gz'))).toString();
const indexFetches = (s: FixtureServer) => s.requests.filter((r) => r === `${tcz}/md5.db.gz`).length;

describe('upstream indexes merged by default', () => {
  it('index --upstream fetches, caches, re-fetches when stale, and verify stops warning', async () => {
    const work = await testdir();
    const { out, tczDir } = await makeGoodMirror(join(work, 'out'));
    expect((await verifyMirror(tczDir, { env: process.env })).diagnostics.map((d) => d.id)).toEqual(['index-lacks-dep', 'index-lacks-dep']);
    const up = await standInUpstream(md5('iptables.tcz', 'a') + md5('original-modules-6.1.2-tinycore64.tcz', 'b'));
    const index = (...extra: string[]) => tczbuild(['index', out, '--upstream', up.url, '--cache', 'cache', ...extra], { cwd: work });

    expect((await index()).code).toBe(0);
    expect(await listed(tczDir)).toContain('  iptables.tcz\n');
    expect((await verifyMirror(tczDir, { env: process.env })).diagnostics).toEqual([]);
    expect(indexFetches(up)).toBe(1);

    expect((await index()).code).toBe(0); // fresh cache: no request
    expect(indexFetches(up)).toBe(1);

    up.route(`${tcz}/md5.db.gz`, { body: gzipSync(md5('iptables.tcz', 'a') + md5('original-modules-6.1.2-tinycore64.tcz', 'b') + md5('zstd.tcz', 'c')) });
    expect((await index('--upstream-max-age', '0')).code).toBe(0); // stale: fetched again
    expect(indexFetches(up)).toBe(2);
    expect(await listed(tczDir)).toContain('  zstd.tcz\n');
  });

  it('keeps the cached copy with a warning when the upstream is down, and fails clearly with nothing cached', async () => {
    const work = await testdir();
    const { out, tczDir } = await makeGoodMirror(join(work, 'out'));
    const up = await standInUpstream(md5('iptables.tcz', 'a'));
    expect((await tczbuild(['index', out, '--upstream', up.url, '--cache', 'cache'], { cwd: work })).code).toBe(0);
    up.route(`${tcz}/md5.db.gz`, { status: 503 });
    const stale = await tczbuild(['index', out, '--upstream', up.url, '--cache', 'cache', '--upstream-max-age', '0'], { cwd: work });
    expect(stale.code).toBe(0);
    expect(stale.stdout + stale.stderr).toMatch(/could not refresh the upstream indexes \(.*answered 503\); using the copy fetched/);
    expect(await listed(tczDir)).toContain('  iptables.tcz\n');

    const none = await tczbuild(['index', out, '--upstream', up.url, '--cache', 'other-cache', '--json'], { cwd: work });
    expect(none.code).toBe(1);
    expect(diagnosticsOf(none)).toMatchObject([{ id: 'upstream-index-unavailable', file: `${up.url}${tcz}/md5.db.gz` }]);
  });

  it('all with $TCZBUILD_UPSTREAM merges the upstream indexes into the published ones', async () => {
    const p = await createSpineProject();
    try {
      const up = await standInUpstream(md5('iptables.tcz', 'a'));
      const run = await tczbuild(['all', '--cache', 'cache'], { cwd: p.dir, env: { TCZBUILD_UPSTREAM: up.url, SOURCE_DATE_EPOCH: '1600000000' } });
      expect(run.code, run.stderr).toBe(0);
      const tczDir = join(p.dir, 'out/11.x/x86_64/tcz');
      expect(await listed(tczDir)).toContain('  iptables.tcz\n');
      expect((await verifyMirror(tczDir, { env: process.env })).diagnostics.filter((d) => d.id.startsWith('dep-') || d.id.startsWith('index-'))).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
