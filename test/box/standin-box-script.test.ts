/**
 * scripts/make-standin-box.sh when it cannot build the box: offline with no Core-scripts at hand,
 * or handed a checkout that is not the pinned commit, it exits 1 with the Core-scripts error and
 * leaves no DIR behind (it used to create DIR first, so a failed run left an empty one), and a
 * DIR that already held a box is left exactly as it was. The script fails before it compiles or
 * packs anything, so these runs take a second; the boxes it does build are the box tests' own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreScripts, coreScriptsEnv } from '../../src/tinycore/core-scripts.js';
import { coreScriptsCheckout } from '../helpers/core-scripts.js';
import { repoRoot } from '../helpers/readme.js';
import { testdir } from '../helpers/testdir.js';

/** The script as a user runs it: no Core-scripts override, an empty download cache. */
function makeBox(dir: string, args: readonly string[], cwd: string): { code: number | null; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== coreScriptsEnv));
  const r = spawnSync(join(repoRoot, 'scripts/make-standin-box.sh'), [dir, ...args], { cwd, env: { ...env, XDG_CACHE_HOME: join(cwd, 'empty-cache') }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: `${r.stderr}${r.error ? String(r.error) : ''}` };
}

describe('make-standin-box.sh that cannot get Core-scripts', { timeout: 60_000 }, () => {
  it('offline with none at hand: exit 1, the Core-scripts error, and no DIR', async () => {
    const work = await testdir();
    const r = makeBox('box', ['--offline'], work);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('error[core-scripts-unavailable]');
    expect(r.stderr).toContain(coreScripts.url);
    expect(existsSync(join(work, 'box'))).toBe(false);
    expect(readdirSync(work).filter((n) => n !== 'empty-cache')).toEqual([]);
  });

  it('handed a checkout that is not the pinned commit: exit 1 naming both hashes, and no DIR', async () => {
    const work = await testdir();
    const checkout = join(work, 'core-scripts');
    await cp(coreScriptsCheckout(), checkout, { recursive: true });
    await writeFile(join(checkout, 'etc/init.d/tc-config'), '#!/bin/sh\necho changed\n', { mode: 0o755 });
    const r = makeBox(join(work, 'new', 'box'), ['--offline', '--dir', checkout], work);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(coreScripts.treeSha256);
    expect(existsSync(join(work, 'new'))).toBe(false);
  });

  it('leaves a DIR that already holds a box as it was', async () => {
    const work = await testdir({ 'box/box.yaml': 'name: the-old-box\n', 'box/core.gz': 'old initrd' });
    const r = makeBox('box', ['--offline'], work);
    expect(r.code, r.stderr).toBe(1);
    expect(readdirSync(join(work, 'box')).sort()).toEqual(['box.yaml', 'core.gz']);
    expect(readFileSync(join(work, 'box/box.yaml'), 'utf8')).toBe('name: the-old-box\n');
    expect(readFileSync(join(work, 'box/core.gz'), 'utf8')).toBe('old initrd');
  });
});
