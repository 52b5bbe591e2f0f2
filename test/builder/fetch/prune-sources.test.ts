/**
 * `clean --prune-cache` prunes downloaded sources too: an entry no build has used for --max-age
 * days goes (with the URLs it was fetched from), one a build used recently stays, and a dead
 * download's temp file is swept. The real CLI over a real cache directory.
 */
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceCache } from '../../../src/builder/fetch/source-cache.js';
import { tczbuild } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

async function* bytes(text: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(text);
}

describe('clean --prune-cache and sources', () => {
  it('drops sources unused for --max-age days, keeps one a build just used, and sweeps a dead download', { timeout: 30_000 }, async () => {
    const dir = await testdir({ 'recipes/.keep': '' });
    const cache = new SourceCache(join(dir, 'cache'));
    const old = await cache.putStream(bytes('an old release nobody builds any more\n'));
    const used = await cache.putStream(bytes('the release the recipes name\n'));
    await cache.addOrigin(old.sha256, 'https://example.invalid/old.tar.gz');
    expect(existsSync(join(dir, 'cache', 'origins', old.sha256))).toBe(true);
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await utimes(old.path, longAgo, longAgo);
    await utimes(used.path, longAgo, longAgo);
    expect(await cache.get(used.sha256)).toBe(used.path); // a build verifying it marks it used
    await mkdir(join(dir, 'cache', 'tmp'), { recursive: true });
    await writeFile(join(dir, 'cache', 'tmp', '999999999-abcdef.part'), 'half a download');

    const r = await tczbuild(['clean', '--prune-cache', '--max-age', '30', '--cache', 'cache'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/sources: dropped 2 files unused for 30 days/);
    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(join(dir, 'cache', 'origins', old.sha256))).toBe(false);
    expect(existsSync(used.path)).toBe(true);
    expect(existsSync(join(dir, 'cache', 'tmp', '999999999-abcdef.part'))).toBe(false);
  });
});
