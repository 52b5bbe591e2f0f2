/**
 * `tczbuild fetch` plans like `all`: a recipe the target leaves out (no sources for its arch),
 * and whatever depends on it, is reported and not downloaded for that target.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { tczbuild } from '../helpers/cli.js';
import { recipeText } from '../helpers/recipe-text.js';
import { testdir } from '../helpers/testdir.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const source = (url: string, body: string, extra = ''): string => `  - url: ${url}\n    sha256: ${sha(body)}\n${extra}    install: { to: usr/local/bin/x, mode: "0755" }\n`;

describe('tczbuild fetch and the target', () => {
  it('does not download the sources of a recipe the target leaves out, nor of its dependents', async () => {
    const server = await startFixtureServer({ '/plain.bin': { body: 'plain' }, '/arm.bin': { body: 'arm' }, '/user.bin': { body: 'user' } });
    try {
      const dir = await testdir({
        'tczbuild.yaml': 'targets: [15.x/x86_64]\n',
        'recipes/plain.yaml': recipeText('plain', `sources:\n${source(`${server.url}/plain.bin`, 'plain')}`),
        'recipes/armonly.yaml': recipeText('armonly', `sources:\n${source(`${server.url}/arm.bin`, 'arm', '    arch: [aarch64]\n')}`),
        'recipes/user.yaml': recipeText('user', `depends: [armonly]\nsources:\n${source(`${server.url}/user.bin`, 'user')}`),
      });
      const r = await tczbuild(['fetch', '--cache', 'cache'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(server.requests).toContain('/plain.bin');
      expect(server.requests).not.toContain('/user.bin');
      expect(server.requests).not.toContain('/arm.bin');
      expect(r.stdout + r.stderr).toContain('user depends on armonly, which is not built for 15.x/x86_64');
      // naming a left-out recipe is refused, as `build NAME` refuses it
      const named = await tczbuild(['fetch', '--cache', 'cache', 'user'], { cwd: dir });
      expect(named.code).not.toBe(0);
      expect(named.stdout + named.stderr).toContain('not built for 15.x/x86_64');
      expect(server.requests).not.toContain('/user.bin');
    } finally {
      await server.close();
    }
  }, 60_000);
});
