/**
 * Issue 22, CI matrices: three `all --shard I/3` jobs, each a fresh copy of the spine project
 * with its own empty out/ and local cache, build their shares and upload to one remote cache
 * (Debian's nginx with WebDAV PUT); an assembly job — another fresh copy, the sources' server
 * stopped, a `mksquashfs` first on PATH that fails any packing — runs `all --from-cache` and
 * `index`, and its mirror is byte-identical to what one plain `all` publishes. An assembly that
 * misses an extension fails and publishes nothing.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProject, hits, mirror, packed, tczbuildJson, type Run } from './helpers/json-cli.js';
import { createSpineProject, type SpineProject } from './helpers/spine-project.js';
import { startWebdavNginx, type WebdavNginx } from '../../bench/lib/webdav-nginx.mjs';

let work: string;
let p: SpineProject;
let nginx: WebdavNginx;
let fakeBin: string;
const marker = (): string => join(work, 'mksquashfs-called');

/** The real CLI from source; fakeMksquashfs puts the recording stand-in first on PATH. */
const tczbuild = (cwd: string, args: string[], opts: { fakeMksquashfs?: boolean } = {}): Promise<Run> => tczbuildJson(cwd, args, opts.fakeMksquashfs ? fakeBin : undefined);
const freshCopy = (): Promise<string> => copyProject(p.dir, work, 'job-');
const shareLine = (r: Run): string => r.events.find((e) => e.type === 'info' && e.message?.startsWith('shard '))?.message ?? '';
/** The share a job reports: the names before "(k of n recipes)". */
const share = (r: Run): string[] => {
  const m = /^shard \d+\/\d+ of [^:]+: (.*) \(\d+ of \d+ recipes\)/.exec(shareLine(r));
  expect(m, shareLine(r)).not.toBeNull();
  return m![1] === 'no recipe' ? [] : m![1]!.split(', ');
};

let reference: string;
const shards: Run[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tczbuild-shard-'));
  fakeBin = join(work, 'fake-bin');
  await mkdir(fakeBin);
  await writeFile(join(fakeBin, 'mksquashfs'), `#!/bin/sh\nif [ "$1" = "-version" ]; then exec /usr/bin/mksquashfs -version; fi\necho "$*" >> '${marker()}'\nexit 99\n`);
  await chmod(join(fakeBin, 'mksquashfs'), 0o755);
  nginx = await startWebdavNginx(join(work, 'nginx'));
  p = await createSpineProject();
  // One plain `all`, no remote cache: the mirror the split must reproduce.
  reference = await freshCopy();
  const one = await tczbuild(reference, ['all', '--cache', 'cache']);
  expect(one.code, one.stderr + one.stdout).toBe(0);
  for (const i of [1, 2, 3]) {
    const dir = await freshCopy();
    const r = await tczbuild(dir, ['all', '--shard', `${i}/3`, '--cache', 'cache', '--remote-cache', nginx.url]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    shards.push(r);
  }
}, 240_000);

afterAll(async () => {
  await nginx?.stop();
  await p?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('all --shard I/N and the assembly job', () => {
  it('the three shares cover every recipe exactly once; each job packs its share, and takes what the share depends on from the cache or builds it', () => {
    const shares = shards.map(share);
    expect(shares.flat().sort()).toEqual(['app', 'base', 'solo']);
    for (const [i, r] of shards.entries()) {
      const mine = shares[i]!;
      // app depends on base: a job whose share holds app needs base too, and says so
      const want = mine.includes('app') && !mine.includes('base') ? [...mine, 'base'] : mine;
      if (want.length > mine.length) expect(shareLine(r)).toContain('with the dependencies base');
      expect(packed(r)).toEqual(expect.arrayContaining(mine));
      expect([...packed(r), ...hits(r).map(([n]) => n)].sort(), shareLine(r)).toEqual([...want].sort());
    }
    // the jobs ran one after another, so a dependency another job had already uploaded was a hit: nothing was packed twice
    expect(shards.flatMap(packed).sort()).toEqual(['app', 'base', 'solo']);
  });

  it('the assembly job (all --from-cache, then index) publishes a mirror byte-identical to one all, packing and fetching nothing', async () => {
    await p.server.close();
    const dir = await freshCopy();
    const r = await tczbuild(dir, ['all', '--from-cache', '--cache', 'cache', '--remote-cache', nginx.url], { fakeMksquashfs: true });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(existsSync(marker()), 'mksquashfs was asked to pack').toBe(false);
    expect(r.events.some((e) => e.stage === 'fetch')).toBe(false);
    expect(hits(r).sort()).toEqual([['app', 'remote cache'], ['base', 'remote cache'], ['solo', 'remote cache']]);
    const want = await mirror(reference);
    expect(Object.keys(want)).toEqual(expect.arrayContaining(['11.x/x86_64/tcz/md5.db.gz', '11.x/x86_64/tcz/app.tcz', '11.x/x86_64/tcz/base.tcz.list']));
    expect(await mirror(dir)).toEqual(want);
    const indexed = await tczbuild(dir, ['index', 'out']);
    expect(indexed.code, indexed.stderr).toBe(0);
    expect(await mirror(dir)).toEqual(want);
  }, 120_000);

  it('an assembly that misses an extension fails naming it and publishes nothing', async () => {
    expect(await readdir(join(nginx.root, 'ac'))).toHaveLength(3);
    const dir = await freshCopy();
    // solo changed since the shard jobs ran: its build key is one no job uploaded
    const soloYaml = join(dir, 'recipes/solo.yaml');
    await writeFile(soloYaml, (await readFile(soloYaml, 'utf8')).replace('description: Independent', 'description: Independent, changed'));
    const r = await tczbuild(dir, ['all', '--from-cache', '--cache', 'cache', '--remote-cache', nginx.url], { fakeMksquashfs: true });
    expect(r.code).toBe(1);
    const errors = r.events.flatMap((e) => (e.diagnostic?.severity === 'error' ? [e.diagnostic] : []));
    expect(errors.map((e) => e.id)).toEqual(['output-cache-miss']);
    expect(errors[0]!.message).toContain('solo (11.x/x86_64) is in neither the local nor the remote output cache');
    expect(existsSync(join(dir, 'out', '11.x'))).toBe(false);
    expect(existsSync(marker())).toBe(false);
  }, 120_000);
});
