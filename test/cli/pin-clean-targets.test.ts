/**
 * `pin` and `clean` cover every configured target, as `all` does: a source for one arch only is
 * pinned when its target is configured (not only the first target), and `clean --all` leaves no
 * target's tree behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { tczbuild } from '../helpers/cli.js';
import { recipeText } from '../helpers/recipe-text.js';
import { testdir } from '../helpers/testdir.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const source = (url: string, hash: string, arch: string): string =>
  `  - url: ${url}\n    sha256: ${hash}\n    arch: [${arch}]\n    install: { to: usr/local/bin/x, mode: "0755" }\n`;

describe('pin and clean over every configured target', () => {
  it('pins the source of each target, the second target\'s arch included', async () => {
    const server = await startFixtureServer({ '/amd.bin': { body: 'amd' }, '/arm.bin': { body: 'arm' } });
    try {
      const dir = await testdir({
        'tczbuild.yaml': 'targets: [15.x/x86_64, 16.x/aarch64]\n',
        'recipes/both.yaml': recipeText('both', `sources:\n${source(`${server.url}/amd.bin`, 'unpinned', 'x86_64')}${source(`${server.url}/arm.bin`, 'unpinned', 'aarch64')}`),
      });
      const r = await tczbuild(['pin', '--cache', 'cache'], { cwd: dir });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const text = readFileSync(join(dir, 'recipes/both.yaml'), 'utf8');
      expect(text).toContain(`sha256: ${sha('amd')}`);
      expect(text).toContain(`sha256: ${sha('arm')}`);
      expect(text).not.toContain('unpinned');
      expect(r.stdout).toContain('target 16.x/aarch64');
    } finally {
      await server.close();
    }
  }, 60_000);

  it('clean --all removes the trees of both targets', async () => {
    const server = await startFixtureServer({ '/amd.bin': { body: 'amd' }, '/arm.bin': { body: 'arm' } });
    try {
      const dir = await testdir({
        'tczbuild.yaml': 'targets: [15.x/x86_64, 16.x/aarch64]\n',
        'recipes/both.yaml': recipeText('both', `sources:\n${source(`${server.url}/amd.bin`, sha('amd'), 'x86_64')}${source(`${server.url}/arm.bin`, sha('arm'), 'aarch64')}`),
      });
      const built = await tczbuild(['all', '--cache', 'cache', '--no-verify'], { cwd: dir });
      expect(built.code, built.stdout + built.stderr).toBe(0);
      for (const t of ['15.x/x86_64', '16.x/aarch64']) expect(existsSync(join(dir, 'out', t, 'tcz', 'both.tcz')), t).toBe(true);
      const cleaned = await tczbuild(['clean', '--all'], { cwd: dir });
      expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);
});
