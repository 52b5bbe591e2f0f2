/**
 * Issue 22, visible in CI: off a terminal a download that takes more than a few seconds prints
 * a line when that becomes clear and one when it ends, every retry prints its reason, and a
 * quick download prints nothing; on a terminal the progress line carries rate and ETA. The
 * reporter is driven with a fake clock; then the real `fetch` against a server that first
 * answers 503 and then sends slowly.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { plainReporter, slowDownloadMs } from '../../src/cli/report/stream-reporters.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { tczbuild } from '../helpers/cli.js';
import { recipeText } from '../helpers/recipe-text.js';
import { testdir } from '../helpers/testdir.js';

const MiB = 1024 * 1024;
const url = 'https://user:pw@example.invalid/big.tar.gz';

function capture(tty: boolean): { out: () => string; at: (ms: number) => void; reporter: ReturnType<typeof plainReporter> } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  let t = 0;
  const reporter = plainReporter(stream, new PassThrough(), { tty, now: () => t });
  return { out: () => Buffer.concat(chunks).toString(), at: (ms) => void (t = ms), reporter };
}

describe('download lines off a terminal', () => {
  it('a quick download prints nothing', () => {
    const c = capture(false);
    c.reporter.emit({ type: 'download-progress', url, received: 0, total: MiB });
    c.at(slowDownloadMs - 1);
    c.reporter.emit({ type: 'download-progress', url, received: MiB, total: MiB, done: true });
    expect(c.out()).toBe('');
  });

  it('a slow one prints a start line once it is slow, each retry with its reason, and an end line; credentials masked', () => {
    const c = capture(false);
    c.reporter.emit({ type: 'download-progress', url, received: 0, total: 10 * MiB });
    c.at(1000);
    c.reporter.emit({ type: 'download-progress', url, received: MiB, total: 10 * MiB });
    c.at(3500);
    c.reporter.emit({ type: 'download-progress', url, received: 3.5 * MiB, total: 10 * MiB });
    c.at(5000);
    c.reporter.emit({ type: 'download-progress', url, received: 5 * MiB, total: 10 * MiB });
    c.reporter.emit({ type: 'download-retry', url, attempt: 2, attempts: 4, delayMs: 500, reason: 'https://user:pw@example.invalid/big.tar.gz: the connection was reset' });
    c.at(5500);
    c.reporter.emit({ type: 'download-progress', url, received: 0, total: 10 * MiB });
    c.at(12_000);
    c.reporter.emit({ type: 'download-progress', url, received: 10 * MiB, total: 10 * MiB, done: true });
    expect(c.out().split('\n')).toEqual([
      'downloading https://***@example.invalid/big.tar.gz (10.0MiB): 3.5MiB after 3.5s, 1.0MiB/s',
      'retrying https://***@example.invalid/big.tar.gz in 0.5s (attempt 2 of 4): https://***@example.invalid/big.tar.gz: the connection was reset',
      'downloaded https://***@example.invalid/big.tar.gz: 10.0MiB in 12s',
      '',
    ]);
  });
});

describe('download line on a terminal', () => {
  it('redraws one line with size, percent, rate and time left, and clears it at the end', () => {
    const c = capture(true);
    c.reporter.emit({ type: 'download-progress', url, received: 0, total: 10 * MiB });
    c.at(4000);
    c.reporter.emit({ type: 'download-progress', url, received: 4 * MiB, total: 10 * MiB });
    expect(c.out().split('\r\x1b[2K').at(-1)).toBe('  downloading https://***@example.invalid/big.tar.gz 4.0MiB of 10.0MiB 40% at 1.0MiB/s, 6.0s left');
    c.reporter.emit({ type: 'download-progress', url, received: 10 * MiB, total: 10 * MiB, done: true });
    expect(c.out().endsWith('\r\x1b[2K')).toBe(true);
  });
});

describe('tczbuild fetch in CI', () => {
  it('prints the 503 retry with its reason and the slow download\'s start and end lines', async () => {
    const body = Buffer.alloc(4000, 7);
    let calls = 0;
    const server = await startFixtureServer({
      '/slow.bin': {
        handler: (_req, res) => {
          if (calls++ === 0) return void res.writeHead(503).end('busy');
          res.writeHead(200, { 'content-length': String(body.length) });
          let at = 0;
          const timer = setInterval(() => {
            res.write(body.subarray(at, (at += 100)));
            if (at >= body.length) {
              clearInterval(timer);
              res.end();
            }
          }, 100);
          res.on('close', () => clearInterval(timer));
        },
      },
    });
    try {
      const sha = createHash('sha256').update(body).digest('hex');
      const dir = await testdir({ 'recipes/slow.yaml': recipeText('slow', `sources:\n  - url: ${server.url}/slow.bin\n    sha256: ${sha}\n    install: { to: usr/local/bin/slow }\n`) });
      const r = await tczbuild(['fetch', '--cache', 'cache'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^retrying ${server.url}/slow.bin in 0\\.5s \\(attempt 2 of 4\\): .*HTTP 503`)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^downloading ${server.url}/slow.bin \\(3\\.9KiB\\): [\\d.]+KiB after [\\d.]+s, [\\d.]+(B|KiB)/s$`)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^downloaded ${server.url}/slow.bin: 3\\.9KiB in [\\d.]+s$`)));
    } finally {
      await server.close();
    }
  }, 30_000);
});
