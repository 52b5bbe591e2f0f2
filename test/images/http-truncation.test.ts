import { afterEach, describe, expect, it } from 'vitest';
import { httpGet, isRetryable } from '../../src/images/registry/http.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { noNetrc } from '../helpers/no-netrc.js';

let server: FixtureServer | undefined;
afterEach(() => server?.close());

async function readAll(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.byteLength;
  return n;
}

describe('registry HTTP bodies', () => {
  it.each([0, 1000])('treats a body cut off after %i of its announced bytes as a retryable break, never as content', async (cut) => {
    server = await startFixtureServer({ '/blob': { truncateAt: cut, body: Buffer.alloc(4000, 1) } });
    const res = await httpGet(`${server.url}/blob`, {}, { headersMs: 5000, idleMs: 5000 }, { env: noNetrc() }, 'test blob');
    const error = await readAll(res.body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isRetryable(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/broke off after \d+/);
  });

  it('reads a whole body', async () => {
    server = await startFixtureServer({ '/blob': { body: Buffer.alloc(4000, 1) } });
    const res = await httpGet(`${server.url}/blob`, {}, { headersMs: 5000, idleMs: 5000 }, { env: noNetrc() }, 'test blob');
    expect(await readAll(res.body)).toBe(4000);
  });
});
