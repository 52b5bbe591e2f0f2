/**
 * The `tczbuild serve` process as a user runs it: it prints the /opt/tcemirror line and the
 * tcz directory, logs each request, and exits 0 promptly on SIGTERM and on SIGINT.
 */
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGoodMirror, type FixtureMirror } from '../mirror/fixture-mirror.js';

let mirror: FixtureMirror;
beforeAll(async () => {
  mirror = await makeGoodMirror();
});
afterAll(async () => {
  await rm(mirror.out, { recursive: true, force: true });
});

async function startServe(): Promise<{ proc: ReturnType<typeof execa>; url: string; output: () => string }> {
  const proc = execa('node', ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--out', mirror.out, '--port', '0'], { reject: false, all: true });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000);
    proc.all?.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /serving .* on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (m?.[1] && output.includes('/opt/tcemirror')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return { proc, url, output: () => output };
}

describe('tczbuild serve', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('prints the /opt/tcemirror line, logs requests and stops on %s', async (signal) => {
    const s = await startServe();
    expect(s.output()).toContain(`echo ${s.url}/ | sudo tee /opt/tcemirror`);
    expect(s.output()).toContain(`extensions: ${s.url}/11.x/x86_64/tcz/`);
    expect((await fetch(`${s.url}/11.x/x86_64/tcz/hello.tcz.md5.txt`)).status).toBe(200);
    const t0 = Date.now();
    s.proc.kill(signal);
    const done = await s.proc;
    expect(done.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(String(done.all)).toMatch(/"GET \/11\.x\/x86_64\/tcz\/hello\.tcz\.md5\.txt HTTP\/1\.1" 200 \d+/);
  });

  it('reports a port that is already taken as a diagnostic, not a stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await execa('node', ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--out', mirror.out, '--port', String(port)], { reject: false, all: true, timeout: 20_000 });
      expect(r.exitCode).toBe(1);
      expect(String(r.all)).toContain('error[mirror-port-in-use]');
    } finally {
      busy.close();
    }
  });

  it('refuses a missing output directory with a diagnostic and exit code 1', async () => {
    const r = await execa('node', ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--out', `${mirror.out}/nope`], { reject: false, all: true });
    expect(r.exitCode).toBe(1);
    expect(String(r.all)).toContain('mirror-root-missing');
  });
});
