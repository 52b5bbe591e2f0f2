/**
 * `all --upstream-max-age 0` really refreshes: an upstream index changed since the last run is
 * fetched again and merged into the published md5.db.gz even when every extension is up to
 * date (the no-op fast path must not keep the old indexes), and a gzip bomb or an endless body
 * from upstream is refused in bounded time and memory with the cached copy kept.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { tczbuild } from '../helpers/cli.js';
import { createSpineProject } from './helpers/spine-project.js';

const tcz = '/11.x/x86_64/tcz';
const md5 = (n: string, c: string) => `${c.repeat(32)}  ${n}\n`;
let servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const listed = async (tczDir: string): Promise<string> => gunzipSync(await readFile(join(tczDir, 'md5.db.gz'))).toString();

describe('all --upstream-max-age', () => {
  it('0 merges what upstream says now into md5.db.gz, even when nothing needs building', async () => {
    const p = await createSpineProject();
    try {
      const up = await startFixtureServer({ [`${tcz}/md5.db.gz`]: { body: gzipSync(md5('iptables.tcz', 'a')) } });
      servers.push(up);
      const env = { TCZBUILD_UPSTREAM: up.url, SOURCE_DATE_EPOCH: '1600000000' };
      const tczDir = join(p.dir, 'out/11.x/x86_64/tcz');
      const first = await tczbuild(['all', '--cache', 'cache'], { cwd: p.dir, env });
      expect(first.code, first.stderr).toBe(0);
      expect(await listed(tczDir)).toContain('  iptables.tcz\n');
      up.route(`${tcz}/md5.db.gz`, { body: gzipSync(md5('iptables.tcz', 'a') + md5('zstd.tcz', 'c')) });
      const again = await tczbuild(['all', '--cache', 'cache', '--upstream-max-age', '0'], { cwd: p.dir, env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('fetched the upstream indexes');
      expect(await listed(tczDir)).toContain('  zstd.tcz\n');
      expect(up.requests.filter((r) => r === `${tcz}/md5.db.gz`)).toHaveLength(2);
    } finally {
      await p.close();
    }
  }, 60_000);

  it('refuses a gzip bomb as md5.db.gz by streaming it through a capped inflate, and keeps the copy it had', async () => {
    const p = await createSpineProject();
    try {
      const up = await startFixtureServer({ [`${tcz}/md5.db.gz`]: { body: gzipSync(md5('iptables.tcz', 'a')) } });
      servers.push(up);
      const env = { TCZBUILD_UPSTREAM: up.url, SOURCE_DATE_EPOCH: '1600000000' };
      const tczDir = join(p.dir, 'out/11.x/x86_64/tcz');
      expect((await tczbuild(['all', '--cache', 'cache'], { cwd: p.dir, env })).code).toBe(0);
      // 80 MiB of zeros gzip to ~80 KB: past the 64 MiB a merge may read, far under the download cap
      const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024));
      up.route(`${tcz}/md5.db.gz`, { body: bomb });
      const kept = await tczbuild(['all', '--cache', 'cache', '--upstream-max-age', '0'], { cwd: p.dir, env });
      expect(kept.code, kept.stderr).toBe(0);
      expect(kept.stdout).toMatch(/could not refresh the upstream indexes \(.*md5\.db\.gz inflates to more than 67108864 bytes \(a gzip bomb, not an index\)\); using the copy fetched/);
      expect(await listed(tczDir)).toContain('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  iptables.tcz\n');
      const none = await tczbuild(['all', '--cache', 'other-cache', '--json'], { cwd: p.dir, env });
      expect(none.code).toBe(1);
      expect(none.stdout).toContain('inflates to more than 67108864 bytes');
    } finally {
      await p.close();
    }
  }, 60_000);

  it('sends the credentials of the upstream URL as Basic auth and shows them nowhere', async () => {
    const p = await createSpineProject();
    try {
      const password = 'pw-Zq8!x7#secret';
      const seen: Array<string | undefined> = [];
      const body = gzipSync(md5('iptables.tcz', 'a'));
      const up = await startFixtureServer({
        [`${tcz}/md5.db.gz`]: {
          handler: (req: IncomingMessage, res: ServerResponse) => {
            seen.push(req.headers.authorization);
            if (req.headers.authorization !== `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`) return void res.writeHead(401).end();
            res.writeHead(200, { 'content-length': body.length }).end(body);
          },
        },
      });
      servers.push(up);
      const env = { TCZBUILD_UPSTREAM: up.url.replace('http://', `http://alice:${encodeURIComponent(password)}@`), SOURCE_DATE_EPOCH: '1600000000' };
      const r = await tczbuild(['all', '--cache', 'cache', '--json'], { cwd: p.dir, env });
      expect(r.code, r.stdout).toBe(0);
      expect(seen.length).toBeGreaterThan(0);
      expect(await listed(join(p.dir, 'out/11.x/x86_64/tcz'))).toContain('  iptables.tcz\n');
      const { readdir } = await import('node:fs/promises');
      const paths = (await readdir(join(p.dir, 'cache'), { recursive: true })).join('\n');
      for (const secret of [password, encodeURIComponent(password)]) {
        expect(r.stdout + r.stderr).not.toContain(secret);
        expect(paths).not.toContain(secret);
      }
    } finally {
      await p.close();
    }
  }, 60_000);
});
