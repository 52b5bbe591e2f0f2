/**
 * `tczbuild serve` facing clients that stop reading (issue 12, item 1), run as its own process
 * so its resident memory can be read from /proc: memory stays bounded while many clients
 * request a big file and never read, returns near idle once they leave, a stalled reader is
 * dropped after --idle-timeout, and --max-connections turns extra clients away with a log line
 * while the ones already connected keep being served. The 1000-reader numbers are
 * bench/serve/soak.ts's job; counts here stay modest.
 */
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../mirror/raw-http.js';
import { memoryMiB, openStalledReaders, sleep, startServeProcess, waitUntil, type ServeProcess } from '../mirror/soak.js';

const repo = resolve(import.meta.dirname, '..', '..');
const dir = '/11.x/x86_64/tcz';
let root: string;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tczbuild-serve-limits-'));
  await mkdir(join(root, dir), { recursive: true });
  await writeFile(join(root, dir, 'big.tcz'), '');
  await truncate(join(root, dir, 'big.tcz'), 48 * 1024 * 1024); // sparse: reading it costs no disk
  await writeFile(join(root, dir, 'hello.tcz.md5.txt'), 'd41d8cd98f00b204e9800998ecf8427e  hello.tcz\n');
});
afterAll(() => rm(root, { recursive: true, force: true }));

afterEach(async () => {
  serve?.proc.kill('SIGTERM');
  await serve?.proc;
  serve = undefined;
});

describe('serve under clients that stop reading', () => {
  it('holds bounded memory for 200 stalled readers, keeps serving others, and gives it back when they leave', async () => {
    serve = await startServeProcess(repo, root, ['--quiet']);
    expect((await fetch(`${serve.url}${dir}/hello.tcz.md5.txt`)).status).toBe(200);
    await sleep(500);
    const idle = (await memoryMiB(serve.pid)).rss;
    const stalled = await openStalledReaders(serve.url, `${dir}/big.tcz`, 200);
    await sleep(2000); // let the server push into every socket until each one stalls
    const during = await fetch(`${serve.url}${dir}/hello.tcz.md5.txt`);
    expect(during.status).toBe(200);
    expect(await during.text()).toContain('hello.tcz');
    const loaded = await memoryMiB(serve.pid);
    for (const s of stalled) s.destroy();
    await sleep(3000);
    const after = (await memoryMiB(serve.pid)).rss;
    // a buffered response costs ~1.4 MiB per stalled reader (≈ 280 MiB here); a bounded one ≲ 0.1
    expect(loaded.peak - idle).toBeLessThan(50);
    expect(after - idle).toBeLessThan(50);
  });

  it('drops a client that takes no bytes for --idle-timeout seconds, logging it as aborted', async () => {
    serve = await startServeProcess(repo, root, ['--idle-timeout', '1']);
    const stalled = await openStalledReaders(serve.url, `${dir}/big.tcz`, 20);
    const dropped = (): string[] => serve!.output().split('\n').filter((l) => l.includes(`"GET ${dir}/big.tcz HTTP/1.1" 200 `) && l.endsWith(' aborted'));
    await waitUntil(() => dropped().length === 20); // the test times out if the server never hangs up
    expect((await fetch(`${serve.url}${dir}/hello.tcz.md5.txt`)).status).toBe(200);
    for (const s of stalled) s.destroy();
  });

  it('turns clients beyond --max-connections away with a log line, and serves again once they leave', async () => {
    serve = await startServeProcess(repo, root, ['--max-connections', '10']);
    const stalled = await openStalledReaders(serve.url, `${dir}/big.tcz`, 10);
    await sleep(500);
    for (let i = 0; i < 3; i++) {
      // closed on accept (a reset or an empty reply), not a byte of a response
      const bytes = await rawRequest(serve.url, `${dir}/hello.tcz.md5.txt`).then((r) => r.raw.length, (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? 0 : -1));
      expect(bytes).toBe(0);
    }
    expect(serve.output()).toMatch(/connection limit reached: 10 clients connected, refused 1 connection\(s\).*--max-connections/);
    for (const s of stalled) s.destroy();
    await sleep(500);
    expect((await fetch(`${serve.url}${dir}/hello.tcz.md5.txt`)).status).toBe(200);
  });
});
