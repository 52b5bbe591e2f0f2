/**
 * The README's getting-started lines (init, new, lint, build), run as pasted with only the
 * release URL's host pointed at a fixture server on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlock } from '../helpers/readme.js';
import { runReadmeLines } from '../helpers/readme-run.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { makeTarGz } from '../helpers/tarball.js';
import { testdir } from '../helpers/testdir.js';

let server: FixtureServer;
beforeAll(async () => {
  const body = await makeTarGz([{ name: 'hello-1.2.0/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 }]);
  server = await startFixtureServer({ '/releases/v1.2.0/hello-1.2.0-linux-amd64.tar.gz': { body } });
});
afterAll(() => server?.close());

describe('README: init and new', () => {
  it('gives a project whose new recipe lints and builds', async () => {
    const dir = await testdir();
    const script = readmeBlock('## Recipes', 'sh').replaceAll('https://example.com', server.url);
    await runReadmeLines(script, dir);
    const listing = execFileSync('unsquashfs', ['-lln', `${dir}/my-extensions/out/11.x/x86_64/tcz/hello.tcz`], { encoding: 'utf8' });
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 +21 .* squashfs-root\/usr\/local\/bin\/hello/);
  });
});
