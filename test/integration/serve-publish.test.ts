/**
 * `tczbuild serve` keeps small files in memory and learns of changes from the kernel, with an
 * hour between stats here, so only that can keep it right: while it serves out/, `all` rebuilds
 * an extension and republishes its companions and the indexes, and `index` rewrites the
 * indexes after an extension is removed. Each answer after those runs is the file on disk now.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMirrorServer, type MirrorServer } from '../../src/mirror/server.js';
import { tczbuildJson } from './helpers/json-cli.js';
import { createSpineProject, type SpineProject } from './helpers/spine-project.js';

const tcz = '11.x/x86_64/tcz';
let p: SpineProject;
let server: MirrorServer;
beforeAll(async () => {
  p = await createSpineProject();
  const r = await tczbuildJson(p.dir, ['all', '--cache', 'cache']);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  server = await startMirrorServer({ root: join(p.dir, 'out'), smallFileRecheckMs: 3_600_000 });
});
afterAll(async () => {
  await server?.close(0);
  await p?.close();
});

/** Fetch each file twice (the second answer comes from memory) and return the bodies. */
async function served(names: string[]): Promise<Buffer[]> {
  const bodies: Buffer[] = [];
  for (const name of names) {
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${server.url}/${tcz}/${name}`);
      expect(r.status, name).toBe(200);
      if (i === 1) bodies.push(Buffer.from(await r.arrayBuffer()));
    }
  }
  return bodies;
}

const onDisk = (names: string[]): Promise<Buffer[]> => Promise.all(names.map((n) => readFile(join(p.dir, 'out', tcz, n))));

describe('serve while the mirror is republished', () => {
  it('answers with what `all` published, not what it replaced', async () => {
    const names = ['base.tcz.md5.txt', 'base.tcz.list', 'md5.db.gz', 'sizelist'];
    const before = await served(names);
    expect(before).toEqual(await onDisk(names));
    await p.bumpBase('v2');
    const r = await tczbuildJson(p.dir, ['all', '--cache', 'cache']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const now = await onDisk(names);
    expect(now[0]).not.toEqual(before[0]); // base.tcz changed, and so did its md5
    expect(await served(names)).toEqual(now);
  });

  it('answers with the indexes `index` rewrote, and 404 for the extension removed', async () => {
    const names = ['md5.db.gz', 'sizelist', 'info.lst'];
    await served([...names, 'solo.tcz.md5.txt']);
    for (const f of ['solo.tcz', 'solo.tcz.md5.txt', 'solo.tcz.info', 'solo.tcz.list', 'solo.tcz.dep']) await rm(join(p.dir, 'out', tcz, f), { force: true });
    const r = await tczbuildJson(p.dir, ['index', 'out']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const now = await onDisk(names);
    expect(now[1]!.toString()).not.toContain('solo.tcz');
    expect(await served(names)).toEqual(now);
    expect((await fetch(`${server.url}/${tcz}/solo.tcz.md5.txt`)).status).toBe(404);
  });
});
