/**
 * Issue 22: a real TinyCore dependency (openssl-1.1.1.tcz) is recognised from the upstream
 * mirror's index, not from a fixed list of four names; a typo next to it is still warned about,
 * naming the index it was checked against. lint takes the index as --upstream-index; all takes
 * it from --upstream (fetched over HTTP from a stand-in mirror and cached).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { recipeText } from '../helpers/recipe-text.js';
import { testdir } from '../helpers/testdir.js';

const md5db = ['openssl-1.1.1.tcz', 'ca-certificates.tcz', 'iptables.tcz'].map((n, i) => `${String(i).repeat(32)}  ${n}\n`).join('');
const recipe = recipeText('web', 'allow-empty: true\ndepends: [openssl-1.1.1, ca-certificates, opensll-1.1.1]\n');
const missing = (r: Awaited<ReturnType<typeof tczbuild>>): string[] => diagnosticsOf(r).filter((d) => d.id === 'dependency-missing').map((d) => d.message);

describe('depends: checked against the upstream index', () => {
  it('lint without an index knows only the fixed few; with --upstream-index it knows upstream, and still flags the typo', async () => {
    const dir = await testdir({ 'recipes/web.yaml': recipe });
    await mkdir(join(dir, 'upstream'));
    await writeFile(join(dir, 'upstream/md5.db.gz'), gzipSync(md5db));
    const bare = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(missing(bare)).toEqual([
      'web depends on openssl-1.1.1.tcz, which is neither a recipe here nor a known upstream extension (pass --upstream or --upstream-index to check against the upstream index)',
      'web depends on ca-certificates.tcz, which is neither a recipe here nor a known upstream extension (pass --upstream or --upstream-index to check against the upstream index)',
      'web depends on opensll-1.1.1.tcz, which is neither a recipe here nor a known upstream extension (pass --upstream or --upstream-index to check against the upstream index)',
    ]);
    const indexed = await tczbuild(['lint', '--upstream-index', 'upstream', '--json'], { cwd: dir });
    expect(indexed.code).toBe(0);
    expect(missing(indexed)).toEqual(['web depends on opensll-1.1.1.tcz, which is neither a recipe here nor in the upstream index (upstream, 3 extensions)']);
    expect(diagnosticsOf(indexed).find((d) => d.id === 'dependency-missing')).toMatchObject({ file: 'recipes/web.yaml', line: 8 });
    const absent = await tczbuild(['lint', '--upstream-index', 'no-such-dir', '--json'], { cwd: dir });
    expect(absent.code).toBe(1);
    expect(diagnosticsOf(absent).map((d) => [d.id, d.message])).toEqual([['upstream-index-unavailable', `cannot read the upstream index ${join(dir, 'no-such-dir')} (ENOENT)`]]);
  }, 30_000);

  it('all --upstream checks against the mirror it fetched the index from', async () => {
    const up = await startFixtureServer({ '/tc/11.x/x86_64/tcz/md5.db.gz': { body: gzipSync(md5db) }, '/tc/11.x/x86_64/tcz/dep.db.gz': { body: gzipSync('openssl-1.1.1.tcz\n\n') } });
    try {
      const dir = await testdir({ 'recipes/web.yaml': recipe });
      const r = await tczbuild(['all', '--upstream', `${up.url}/tc/`, '--cache', 'cache', '--no-verify', '--json'], { cwd: dir });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(missing(r)).toEqual([`web depends on opensll-1.1.1.tcz, which is neither a recipe here nor in the upstream index (${up.url}/tc/11.x/x86_64/tcz, 3 extensions)`]);
    } finally {
      await up.close();
    }
  }, 60_000);
});
