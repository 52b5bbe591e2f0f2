/**
 * A restore from the local output cache: each blob is hashed once, sha256 and md5 in the same
 * read, and the .tcz's md5 from that read is what its .md5.txt is held against. A consistent
 * entry restores with that md5; one whose .md5.txt disagrees is a warning and a miss.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiredCompanions } from '../../../src/builder/output-cache/complete.js';
import { OutputCache } from '../../../src/builder/output-cache/output-cache.js';
import { collectingReporter } from '../../../src/report/reporter.js';
import { testdir } from '../../helpers/testdir.js';

const key = 'b'.repeat(64);
const tcz = Buffer.alloc(300_000, 7);
const md5 = createHash('md5').update(tcz).digest('hex');

/** Save an entry for app built from `md5Txt`, then restore it into a fresh work directory. */
async function saveThenRestore(md5Txt: string) {
  const dir = await testdir();
  const files: Record<string, Buffer | string> = { 'app.tcz': tcz, 'app.tcz.md5.txt': md5Txt, 'app.tcz.info': 'Title:\tapp.tcz\n', 'app.tcz.list': 'usr/local/bin/app\n', 'app.tcz.build.json': '{}\n' };
  await mkdir(join(dir, 'built'));
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, 'built', name), bytes);
  const reporter = collectingReporter();
  const cache = new OutputCache({ cacheDir: join(dir, 'cache') }, reporter);
  await cache.save('app', key, Object.keys(files).map((name) => ({ rel: `11.x/x86_64/tcz/${name}`, from: join(dir, 'built', name) })));
  const hit = await cache.restore('app', key, join(dir, 'work'), '11.x/x86_64/tcz', requiredCompanions(false));
  const warnings = reporter.events.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic.message] : []));
  return { hit, warnings };
}

describe('local output cache restore', () => {
  it('restores a consistent entry with the md5 of its .tcz', async () => {
    const r = await saveThenRestore(`${md5}  app.tcz\n`);
    expect(r.warnings).toEqual([]);
    expect(r.hit?.md5).toBe(md5);
    expect(r.hit?.origin).toBe('local cache');
  });

  it('refuses an entry whose .md5.txt disagrees with its .tcz', async () => {
    const r = await saveThenRestore(`${'0'.repeat(32)}  app.tcz\n`);
    expect(r.hit).toBeUndefined();
    expect(r.warnings.join('\n')).toMatch(new RegExp(`inconsistent: its app\\.tcz\\.md5\\.txt says 0{32}, but app\\.tcz has md5 ${md5}`));
  });
});
