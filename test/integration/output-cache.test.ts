/**
 * The output cache against a real Bazel-protocol server: Debian's nginx with WebDAV PUT on
 * 127.0.0.1. Job A builds the spine project with empty caches and uploads; faults (a tampered
 * or lost blob, a changed local file, an unwritable local cache, a server answering 500, a server
 * that stalls) each give a warning and a local build whose mirror equals A's; job B — a fresh copy of the project, empty out/ and local cache, the
 * sources' server stopped — publishes A's mirror byte for byte without packing anything (a
 * `mksquashfs` first on PATH records any packing call and fails it; it answers `-version` from
 * the real one, because the build key names the mksquashfs version).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeActionResult } from '../../src/builder/output-cache/action-result.js';
import { snapshotTree } from '../helpers/tree-snapshot.js';
import { copyProject, hits, mirror, packed, tczbuildJson, type Run } from './helpers/json-cli.js';
import { createSpineProject, type SpineProject } from './helpers/spine-project.js';
import { startWebdavNginx, type WebdavNginx } from '../../bench/lib/webdav-nginx.mjs';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let work: string;
let p: SpineProject;
let nginx: WebdavNginx;
let fakeBin: string;
const marker = (): string => join(work, 'mksquashfs-called');

/** The real CLI from source; fakeMksquashfs puts the recording stand-in first on PATH. */
const tczbuild = (cwd: string, args: string[], opts: { fakeMksquashfs?: boolean } = {}): Promise<Run> => tczbuildJson(cwd, args, opts.fakeMksquashfs ? fakeBin : undefined);
const freshCopy = (): Promise<string> => copyProject(p.dir, work, 'copy-');
const warnings = (r: Run): Array<{ id: string; message: string }> => r.events.flatMap((e) => (e.diagnostic?.severity === 'warning' ? [e.diagnostic] : []));
const putCount = async (): Promise<number> => (await readFile(join(work, 'nginx', 'access.log'), 'utf8')).split('\n').filter((l) => l.includes('"PUT ')).length;

async function startServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

let a: Run;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tczbuild-outcache-'));
  fakeBin = join(work, 'fake-bin');
  await mkdir(fakeBin);
  await writeFile(
    join(fakeBin, 'mksquashfs'),
    `#!/bin/sh\nif [ "$1" = "-version" ]; then exec /usr/bin/mksquashfs -version; fi\necho "$*" >> '${marker()}'\nexit 99\n`,
  );
  await chmod(join(fakeBin, 'mksquashfs'), 0o755);
  nginx = await startWebdavNginx(join(work, 'nginx'));
  p = await createSpineProject();
  a = await tczbuild(p.dir, ['all', '--cache', 'cache', '--remote-cache', `${nginx.url}/`]);
  expect(a.code, a.stderr + a.stdout).toBe(0);
});

afterAll(async () => {
  await nginx?.stop();
  await p?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('output cache with nginx (WebDAV PUT) as the Bazel HTTP remote cache', () => {
  it('job A builds everything with empty caches and uploads a verifiable manifest and every file', async () => {
    expect(packed(a)).toEqual(expect.arrayContaining(['base', 'app', 'solo']));
    expect(hits(a)).toEqual([]);
    expect(warnings(a)).toEqual([]);
    const entries = await readdir(join(nginx.root, 'ac'));
    expect(entries).toHaveLength(3);
    const tczDir = join(p.dir, 'out/11.x/x86_64/tcz');
    for (const key of entries) {
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      const files = decodeActionResult(await readFile(join(nginx.root, 'ac', key)));
      for (const f of files) {
        const blob = await readFile(join(nginx.root, 'cas', f.sha256));
        expect(sha256(blob)).toBe(f.sha256);
        expect(blob.equals(await readFile(join(tczDir, f.name))), f.name).toBe(true);
      }
    }
    const state = JSON.parse(await readFile(join(p.dir, 'out/.tczbuild/11.x-x86_64.json'), 'utf8')) as { extensions: Record<string, { origin: string }> };
    expect(Object.values(state.extensions).map((e) => e.origin)).toEqual(['built', 'built', 'built']);
  });

  it('explain says which rebuilds the local and the remote cache would supply', async () => {
    const dir = await freshCopy();
    const withLocal = await tczbuild(dir, ['explain', '--cache', join(p.dir, 'cache')]);
    expect(withLocal.events.filter((e) => e.type === 'rebuild').map((e) => [e.name, e.cache])).toEqual([['base', 'local cache'], ['app', 'local cache'], ['solo', 'local cache']]);
    const remote = await tczbuild(dir, ['explain', '--cache', 'empty', '--remote-cache', nginx.url]);
    expect(remote.events.filter((e) => e.type === 'rebuild').map((e) => e.cache)).toEqual(['remote cache', 'remote cache', 'remote cache']);
    const none = await tczbuild(dir, ['explain', '--cache', 'empty']);
    expect(none.events.filter((e) => e.type === 'rebuild').map((e) => e.cache)).toEqual(['miss', 'miss', 'miss']);
    expect((await tczbuild(dir, ['explain', '--cache', 'empty'])).stdout).not.toContain('"type":"diagnostic"');
  });

  it('a read-only job (--no-remote-cache-upload) builds but PUTs nothing', async () => {
    const before = await putCount();
    const dir = await freshCopy();
    const r = await tczbuild(dir, ['all', '--cache', 'cache', '--remote-cache', nginx.url, '--no-remote-cache-upload', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(packed(r).sort()).toEqual(['app', 'base', 'solo']);
    expect(await putCount()).toBe(before);
    expect(await mirror(dir)).toEqual(await mirror(p.dir));
  });

  it('a tampered blob is refused with a warning; that extension is built locally and the blob healed', async () => {
    const entries = await readdir(join(nginx.root, 'ac'));
    const baseEntry = (await Promise.all(entries.map(async (k) => decodeActionResult(await readFile(join(nginx.root, 'ac', k)))))).find((fs) => fs.some((f) => f.name === 'base.tcz'))!;
    const tcz = baseEntry.find((f) => f.name === 'base.tcz')!;
    const blobPath = join(nginx.root, 'cas', tcz.sha256);
    const good = await readFile(blobPath);
    const evil = Buffer.from(good);
    evil.writeUInt8(evil.readUInt8(evil.length - 1) ^ 0xff, evil.length - 1);
    await writeFile(blobPath, evil);

    const dir = await freshCopy();
    const r = await tczbuild(dir, ['all', '--cache', 'cache', '--remote-cache', nginx.url]);
    expect(r.code, r.stderr).toBe(0);
    const w = warnings(r);
    expect(w.map((x) => x.id)).toEqual(['cache-entry-bad']);
    expect(w[0]!.message).toContain(`/cas/${tcz.sha256} (base.tcz) has sha256 ${sha256(evil)}`);
    expect(packed(r)).toEqual(['base']);
    expect(hits(r).sort()).toEqual([['app', 'remote cache'], ['solo', 'remote cache']]);
    expect(await mirror(dir)).toEqual(await mirror(p.dir));
    expect((await readFile(blobPath)).equals(good)).toBe(true);
  });

  it('a blob the server has lost is a warning; that extension is built locally and uploaded again', async () => {
    const entries = await readdir(join(nginx.root, 'ac'));
    const soloEntry = (await Promise.all(entries.map(async (k) => decodeActionResult(await readFile(join(nginx.root, 'ac', k)))))).find((fs) => fs.some((f) => f.name === 'solo.tcz'))!;
    const info = soloEntry.find((f) => f.name === 'solo.tcz.info')!;
    await rm(join(nginx.root, 'cas', info.sha256));
    const dir = await freshCopy();
    const r = await tczbuild(dir, ['all', '--cache', 'cache', '--remote-cache', nginx.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r).map((w) => w.id)).toEqual(['cache-entry-bad']);
    expect(warnings(r)[0]!.message).toContain(`names solo.tcz.info as /cas/${info.sha256} but does not have it`);
    expect(packed(r)).toEqual(['solo']);
    expect(await mirror(dir)).toEqual(await mirror(p.dir));
    expect(sha256(await readFile(join(nginx.root, 'cas', info.sha256)))).toBe(info.sha256);
  });

  it('a local cache file changed on disk is refused with a warning, deleted, and that extension built', async () => {
    const dir = await freshCopy();
    await cp(join(p.dir, 'cache'), join(dir, 'cache'), { recursive: true });
    const soloTcz = await readFile(join(p.dir, 'out/11.x/x86_64/tcz/solo.tcz'));
    const blob = join(dir, 'cache/outputs/sha256', sha256(soloTcz));
    await rm(blob);
    await writeFile(blob, Buffer.concat([soloTcz, Buffer.from('x')]));
    const r = await tczbuild(dir, ['all', '--cache', 'cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r).map((w) => [w.id, w.message.split(':')[0]])).toEqual([['cache-entry-bad', 'solo']]);
    expect(packed(r)).toEqual(['solo']);
    expect(hits(r)).toEqual([['base', 'local cache'], ['app', 'local cache']]);
    expect(await mirror(dir)).toEqual(await mirror(p.dir));
    expect((await readFile(blob)).equals(soloTcz)).toBe(true);
  });

  it('a local cache that cannot be written is a warning; the build is published all the same', async () => {
    const dir = await freshCopy();
    await mkdir(join(dir, 'cache'));
    await writeFile(join(dir, 'cache/outputs'), 'not a directory\n');
    const r = await tczbuild(dir, ['all', '--cache', 'cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(warnings(r).map((w) => w.id)).toEqual(['output-cache-unwritable', 'output-cache-unwritable', 'output-cache-unwritable']);
    expect(await mirror(dir)).toEqual(await mirror(p.dir));
  });

  it('a cache answering 500 is a warning (credentials redacted) and a full local build', async () => {
    const { url, server } = await startServer((_req, res) => void res.writeHead(500).end('boom'));
    try {
      const dir = await freshCopy();
      const withCreds = url.replace('http://', 'http://ci-user:s3cret-token@');
      const r = await tczbuild(dir, ['all', '--cache', 'cache', '--remote-cache', withCreds]);
      expect(r.code, r.stderr).toBe(0);
      const w = warnings(r);
      expect(w.map((x) => x.id)).toEqual(['remote-cache-error']);
      expect(w[0]!.message).toContain('HTTP 500');
      expect(w[0]!.message).toContain(`http://***@127.0.0.1:${new URL(url).port}`);
      expect(r.stdout + r.stderr).not.toContain('s3cret-token');
      expect(packed(r).sort()).toEqual(['app', 'base', 'solo']);
      expect(await mirror(dir)).toEqual(await mirror(p.dir));
      const outText = await readTreeText(join(dir, 'out'));
      expect(outText).not.toContain('s3cret-token');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('a cache that stalls is given up after --remote-cache-timeout with a warning naming it, and everything is built', async () => {
    const { url, server } = await startServer(() => undefined);
    try {
      const dir = await freshCopy();
      const r = await tczbuild(dir, ['all', '--cache', 'cache', '--remote-cache', url, '--remote-cache-timeout', '1']);
      expect(r.code, r.stderr).toBe(0);
      const w = warnings(r);
      expect(w.map((x) => x.id)).toEqual(['remote-cache-unreachable']);
      expect(w[0]!.message).toContain(`remote cache ${url}/`);
      expect(w[0]!.message).toContain('no response within 1000 ms');
      expect(packed(r).sort()).toEqual(['app', 'base', 'solo']);
      expect(await mirror(dir)).toEqual(await mirror(p.dir));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('the stand-in mksquashfs fails any packing, so a build that needs one cannot pass unnoticed', async () => {
    const r = await tczbuild(p.dir, ['build', 'solo', '--cache', 'cache', '--out', 'out-fake', '--no-output-cache'], { fakeMksquashfs: true });
    expect(r.code).toBe(1);
    expect(existsSync(marker())).toBe(true);
    await rm(marker());
  });

  it('job B: a fresh copy with empty out/ and cache, sources offline, publishes A\'s mirror byte for byte without mksquashfs', async () => {
    await p.server.close();
    const dir = await freshCopy();
    const r = await tczbuild(dir, ['all', '--cache', 'cache', '--remote-cache', nginx.url.replace('http://', 'http://reader:pw-xyz@')], { fakeMksquashfs: true });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(existsSync(marker()), 'mksquashfs was asked to pack').toBe(false);
    expect(packed(r)).toEqual([]);
    expect(r.events.some((e) => e.stage === 'fetch')).toBe(false);
    expect(hits(r)).toEqual([['base', 'remote cache'], ['app', 'remote cache'], ['solo', 'remote cache']]);
    expect(warnings(r)).toEqual([]);
    expect(await mirror(dir)).toEqual(await mirror(p.dir));
    const state = JSON.parse(await readFile(join(dir, 'out/.tczbuild/11.x-x86_64.json'), 'utf8')) as { extensions: Record<string, { origin: string }> };
    expect(Object.values(state.extensions).map((e) => e.origin)).toEqual(['remote cache', 'remote cache', 'remote cache']);
    expect(await readTreeText(join(dir, 'out'))).not.toContain('pw-xyz');

    // The same cache, a new out/, the remote gone: every extension from the local cache.
    await nginx.stop();
    const again = await tczbuild(dir, ['all', '--cache', 'cache', '--out', 'out2', '--remote-cache', nginx.url], { fakeMksquashfs: true });
    expect(again.code, again.stderr).toBe(0);
    expect(hits(again).map(([, c]) => c)).toEqual(['local cache', 'local cache', 'local cache']);
    expect(again.stdout).toContain('from cache');
    expect(existsSync(marker())).toBe(false);
    expect(await snapshotTree(join(dir, 'out2', '11.x'))).toEqual(await snapshotTree(join(p.dir, 'out', '11.x')));
  });

  it('clean --prune-cache drops entries beyond the size bound, and the next build misses and rebuilds', async () => {
    const dir = await freshCopy();
    await cp(join(p.dir, 'cache'), join(dir, 'cache'), { recursive: true });
    const kept = await tczbuild(dir, ['clean', '--prune-cache', '--cache', 'cache']);
    expect(kept.stdout).toContain('dropped 0 entries');
    const pruned = await tczbuild(dir, ['clean', '--prune-cache', '--cache', 'cache', '--max-size', '1K']);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/dropped [1-3] entries/);
    expect((await readdir(join(dir, 'cache/outputs/ac'))).length).toBeLessThan(3);
    const explain = await tczbuild(dir, ['explain', '--cache', 'cache']);
    expect(explain.events.filter((e) => e.type === 'rebuild').some((e) => e.cache === 'miss')).toBe(true);
  });
});

async function readTreeText(root: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) text += (await readFile(join(entry.parentPath, entry.name))).toString('latin1');
  }
  return text;
}
