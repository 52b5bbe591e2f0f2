/**
 * A serve killed mid-transfer leaves its partial upstream download behind; the next serve over
 * the same cache sweeps it before its first fetch, and leaves a live server's partial files alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createUpstreamCache, upstreamCacheDirFor } from '../../src/mirror/upstream-cache.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';
import { noNetrc } from '../helpers/no-netrc.js';

describe('upstream cache partial files', () => {
  it("are swept when they belong to a dead server, kept when to a live one", async () => {
    const upstream = await startFixtureServer({ '/11.x/x86_64/tcz/lz4.tcz': { body: 'lz4 bytes' } });
    try {
      const cacheDir = await testdir();
      const partial = join(upstreamCacheDirFor(cacheDir, upstream.url), '.partial');
      await mkdir(partial, { recursive: true });
      const dead = spawnSync('true').pid!;
      await writeFile(join(partial, `${dead}-0123456789abcdef`), 'half of a killed transfer');
      await writeFile(join(partial, '0123456789abcdef'), 'half of a transfer by an older serve');
      const live = process.ppid; // the test runner: alive throughout
      await writeFile(join(partial, `${live}-fedcba9876543210`), 'a live server is writing this');
      const cache = createUpstreamCache({ upstream: upstream.url, cacheDir, origin: { network: { env: noNetrc() } } });
      const got = await cache.ensure('11.x/x86_64/tcz/lz4.tcz');
      expect(got.kind).toBe('cached');
      expect(await readdir(partial)).toEqual([`${live}-fedcba9876543210`]);
    } finally {
      await upstream.close();
    }
  });
});
