/**
 * `tczbuild serve` against BusyBox wget, the client tce-load uses: plain downloads, a resumed
 * download with -c, real 404s, validators, and path traversal attempts that must leak nothing.
 */
import { mkdir, mkdtemp, readFile, readdir, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMirrorServer, type MirrorServer } from '../../src/mirror/server.js';
import { testdir } from '../helpers/testdir.js';
import { makeGoodMirror, type FixtureMirror } from '../mirror/fixture-mirror.js';
import { busyboxWget, rawRequest } from '../mirror/raw-http.js';

const secret = 'TOP-SECRET-BYTES-OUTSIDE-OUT';
let mirror: FixtureMirror;
let server: MirrorServer;
let log: string[];
let base: string;

beforeAll(async () => {
  const parent = await mkdtemp('/tmp/tczbuild-serve-');
  await writeFile(join(parent, 'secret.txt'), secret);
  mirror = await makeGoodMirror(join(parent, 'out'));
  // a big enough image that an interrupted download is realistic
  await writeFile(join(mirror.tczDir, 'big.tcz'), Buffer.alloc(3 * 1024 * 1024, 7));
  await execa('sh', ['-c', 'md5sum big.tcz > big.tcz.md5.txt'], { cwd: mirror.tczDir });
  await symlink(join(parent, 'secret.txt'), join(mirror.tczDir, 'escape.tcz'));
  await symlink(parent, join(mirror.out, 'up'));
  await mkdir(join(mirror.out, '.publish-tmp'));
  await writeFile(join(mirror.out, '.publish-tmp', 'x.tcz'), 'half-published');
  log = [];
  server = await startMirrorServer({ root: mirror.out, log: (l) => log.push(l) });
  base = `${server.url}/11.x/x86_64/tcz`;
});

afterAll(async () => {
  await server?.close(100);
  if (mirror) await rm(join(mirror.out, '..'), { recursive: true, force: true });
});

describe('serve with busybox wget', () => {
  it('downloads .dep, .md5.txt and .tcz and the result passes md5sum -c', async () => {
    const dir = await testdir();
    for (const f of ['hello.tcz.dep', 'hello.tcz.md5.txt', 'hello.tcz']) {
      const r = await busyboxWget(['-q', `${base}/${f}`], dir);
      expect(r.exitCode, r.output).toBe(0);
    }
    expect(await readFile(join(dir, 'hello.tcz.dep'), 'utf8')).toBe(await readFile(join(mirror.tczDir, 'hello.tcz.dep'), 'utf8'));
    const check = await execa('md5sum', ['-c', 'hello.tcz.md5.txt'], { cwd: dir, reject: false });
    expect(check.stdout).toBe('hello.tcz: OK');
    expect(log.some((l) => l.includes('"GET /11.x/x86_64/tcz/hello.tcz HTTP/1.1" 200 '))).toBe(true);
  });

  it('resumes an interrupted download with wget -c and the result passes md5sum -c', async () => {
    const dir = await testdir();
    await busyboxWget(['-q', `${base}/big.tcz.md5.txt`], dir);
    await busyboxWget(['-q', `${base}/big.tcz`], dir);
    await truncate(join(dir, 'big.tcz'), 1_000_000);
    const r = await busyboxWget(['-c', `${base}/big.tcz`], dir);
    expect(r.exitCode, r.output).toBe(0);
    const check = await execa('md5sum', ['-c', 'big.tcz.md5.txt'], { cwd: dir, reject: false });
    expect(check.stdout).toBe('big.tcz: OK');
    expect(log.some((l) => l.includes('big.tcz HTTP/1.1" 206 2145728 '))).toBe(true);
  });

  it('answers a missing optional file with a real 404 that wget reports as an error', async () => {
    const dir = await testdir();
    const r = await busyboxWget(['-q', `${base}/world.tcz.dep`], dir);
    expect(r.exitCode).not.toBe(0);
    expect((await rawRequest(server.url, '/11.x/x86_64/tcz/world.tcz.dep')).status).toBe(404);
  });

  it('answers wget --spider (tce-status -o, submitqc) for present and missing files', async () => {
    const dir = await testdir();
    expect((await busyboxWget(['--spider', '-q', `${base}/hello.tcz`], dir)).exitCode).toBe(0);
    expect((await busyboxWget(['--spider', '-q', `${base}/nothere.tcz`], dir)).exitCode).not.toBe(0);
  });

  it('sends Content-Length, ETag and Last-Modified and honours If-None-Match and If-Modified-Since', async () => {
    const head = await fetch(`${base}/hello.tcz`, { method: 'HEAD' });
    const size = (await readFile(join(mirror.tczDir, 'hello.tcz'))).length;
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(size));
    const etag = head.headers.get('etag') ?? '';
    const lastModified = head.headers.get('last-modified') ?? '';
    expect(etag).toMatch(/^".+"$/);
    expect((await fetch(`${base}/hello.tcz`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${base}/hello.tcz`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await fetch(`${base}/hello.tcz`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('serves single byte ranges and answers 416 past the end', async () => {
    const whole = await readFile(join(mirror.tczDir, 'big.tcz'));
    const part = await fetch(`${base}/big.tcz`, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(10, 20))).toBe(true);
    const past = await fetch(`${base}/big.tcz`, { headers: { range: `bytes=${whole.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${whole.length}`);
  });

  it.each([
    ['dot-dot', '/../secret.txt'],
    ['dot-dot deeper', '/11.x/x86_64/tcz/../../../../secret.txt'],
    ['encoded dot-dot', '/%2e%2e/secret.txt'],
    ['encoded dot-dot and slash', '/11.x/%2e%2e%2f%2e%2e%2f..%2fsecret.txt'],
    ['backslash', '/..%5csecret.txt'],
    ['NUL', '/11.x/x86_64/tcz/hello.tcz%00.txt'],
    ['raw NUL', '/11.x/x86_64/tcz/hello.tcz\0.txt'],
    ['symlinked file leaving out/', '/11.x/x86_64/tcz/escape.tcz'],
    ['symlinked dir leaving out/', '/up/secret.txt'],
    ['hidden publish dir', '/.publish-tmp/x.tcz'],
  ])('refuses %s with 403/404 and leaks no byte', async (_name, target) => {
    const r = await rawRequest(server.url, target);
    expect([400, 403, 404]).toContain(r.status);
    expect(r.raw.toString('latin1')).not.toContain(secret);
    expect(r.raw.toString('latin1')).not.toContain('half-published');
  });

  it('serves the same bytes to a raw request for a legitimate path (the probe above works)', async () => {
    const r = await rawRequest(server.url, '/11.x/x86_64/tcz/hello.tcz.md5.txt');
    expect(r.status).toBe(200);
    expect(r.raw.toString('latin1')).toContain(await readFile(join(mirror.tczDir, 'hello.tcz.md5.txt'), 'latin1'));
  });

  it('keeps serving across an atomic publish that renames a new out/ into place', async () => {
    const parent = join(mirror.out, '..');
    const next = join(parent, 'out.next');
    await execa('cp', ['-a', mirror.out, next]);
    await writeFile(join(next, '11.x/x86_64/tcz/fresh.tcz.md5.txt'), 'fresh\n');
    await rename(mirror.out, join(parent, 'out.old'));
    await rename(next, mirror.out);
    try {
      const r = await fetch(`${base}/fresh.tcz.md5.txt`);
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('fresh\n');
    } finally {
      await rm(join(parent, 'out.old'), { recursive: true, force: true });
    }
  });

  it('closes the file of every download a client abandons halfway (no fd leak)', async () => {
    await writeFile(join(mirror.tczDir, 'huge.tcz'), '');
    await truncate(join(mirror.tczDir, 'huge.tcz'), 64 * 1024 * 1024); // sparse: reads cost no disk
    const fds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
    const before = await fds();
    for (let i = 0; i < 20; i++) {
      const abort = new AbortController();
      const res = await fetch(`${base}/huge.tcz`, { signal: abort.signal });
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await fds()).toBeLessThanOrEqual(before + 2);
    expect(log.filter((l) => l.includes('/huge.tcz') && l.endsWith(' aborted')).length).toBe(20);
  });

  it('serves an absolute-form request target (GET http://host/path) as the path it names', async () => {
    const r = await rawRequest(server.url, `${server.url}/11.x/x86_64/tcz/hello.tcz.md5.txt`);
    expect(r.status).toBe(200);
    expect(r.raw.toString('latin1')).toContain(await readFile(join(mirror.tczDir, 'hello.tcz.md5.txt'), 'latin1'));
    const escape = await rawRequest(server.url, 'http://mirror.local/11.x/%2e%2e/%2e%2e/%2e%2e/secret.txt');
    expect(escape.status).toBe(403);
    expect(escape.raw.toString('latin1')).not.toContain(secret);
  });

  it('logs the bytes of an error body it sends, not 0', async () => {
    const r = await rawRequest(server.url, '/11.x/x86_64/tcz/absent.tcz');
    expect(r.status).toBe(404);
    const body = r.raw.subarray(r.raw.indexOf('\r\n\r\n') + 4);
    expect(body.length).toBeGreaterThan(0);
    await new Promise((res) => setTimeout(res, 100));
    expect(log.some((l) => l.includes(`"GET /11.x/x86_64/tcz/absent.tcz HTTP/1.1" 404 ${body.length} `))).toBe(true);
  });

  it('refuses methods other than GET and HEAD', async () => {
    const r = await rawRequest(server.url, '/11.x/x86_64/tcz/hello.tcz', 'DELETE');
    expect(r.status).toBe(405);
  });
});
