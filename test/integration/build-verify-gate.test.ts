/**
 * `tczbuild build` runs verify's per-extension checks before publishing: a recipe whose Debian
 * binary asks for /lib64/ld-linux-x86-64.so.2 with no box-links, or whose directories: entry
 * makes a 0700 directory, exits 1 naming the finding at the recipe line and publishes nothing;
 * with box-links it builds; --no-verify publishes anyway. Real mksquashfs, real Debian binaries.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const head = (name: string): string => `name: ${name}
version: "1.0"
description: ${name} (verify gate fixture)
author: tczbuild tests
original-site: https://example.invalid/
copying-policy: MIT
overlays: [${name}]
`;

async function project(recipe: string): Promise<string> {
  return testdir({
    'recipes/dtrue.yaml': recipe,
    'rootfs-overlays/dtrue/usr/local/bin/dtrue': { content: await readFile('/usr/bin/true'), mode: 0o755 },
    'rootfs-overlays/dtrue/usr/local/share/doc/dtrue/COPYING': 'MIT\n',
  });
}

// TinyCore 14 (glibc 2.36): Debian 12's true (GLIBC_2.34) is within its floor, so only the loader is at stake
const tc14 = ['--tc-version', '14', '--json'];
const published = (dir: string): boolean => existsSync(join(dir, 'out', '14.x', 'x86_64', 'tcz', 'dtrue.tcz'));

describe('build refuses what verify rejects', () => {
  it('a Debian binary needing /lib64 and no box-links: exit 1, tcz-elf-interpreter at the recipe, nothing published; --no-verify publishes', async () => {
    const dir = await project(head('dtrue'));
    const run = await tczbuild(['build', 'dtrue', ...tc14], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    const errors = diagnosticsOf(run).filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.id)).toEqual(['tcz-elf-interpreter']);
    expect(errors[0]?.file).toBe('recipes/dtrue.yaml');
    expect(errors[0]?.message).toContain('dtrue.tcz would be published with: usr/local/bin/dtrue asks for the loader /lib64/ld-linux-x86-64.so.2');
    expect(errors[0]?.hint).toContain('nothing was published');
    expect(published(dir)).toBe(false);
    expect(existsSync(join(dir, 'out'))).toBe(false);

    const past = await tczbuild(['build', 'dtrue', '--no-verify', ...tc14], { cwd: dir });
    expect(past.code, past.stderr).toBe(0);
    expect(published(dir)).toBe(true);
  });

  it('with box-links /lib64 -> lib the same binary builds and publishes', async () => {
    const dir = await project(`${head('dtrue')}box-links:\n  - path: /lib64\n    target: lib\n    why: Debian binaries ask for /lib64/ld-linux-x86-64.so.2\n`);
    const run = await tczbuild(['build', 'dtrue', ...tc14], { cwd: dir });
    expect(run.code, JSON.stringify(diagnosticsOf(run))).toBe(0);
    expect(published(dir)).toBe(true);
  });

  it('for TinyCore 11 (glibc 2.30) the GLIBC_2.34 it needs is refused too, naming binary and symbol', async () => {
    const dir = await project(`${head('dtrue')}box-links:\n  - path: /lib64\n    target: lib\n`);
    const run = await tczbuild(['build', 'dtrue', '--tc-version', '11', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    const errors = diagnosticsOf(run).filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.id)).toEqual(['elf-glibc-floor']);
    expect(errors[0]?.message).toContain('usr/local/bin/dtrue needs GLIBC_2.34 (__libc_start_main), newer than the glibc 2.30 of TinyCore 11.x x86_64');
  });

  it('a directories: entry with mode 0700 is refused at its recipe line', async () => {
    const recipe = `${head('dtrue')}box-links:\n  - path: /lib64\n    target: lib\ndirectories:\n  - path: usr/local/share/dtrue\n    mode: "0700"\n`;
    const dir = await project(recipe);
    const run = await tczbuild(['build', 'dtrue', ...tc14], { cwd: dir });
    expect(run.code).toBe(1);
    const errors = diagnosticsOf(run).filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.id} ${d.file}:${d.line}`)).toEqual([`tcz-dir-mode recipes/dtrue.yaml:${recipe.split('\n').indexOf('  - path: usr/local/share/dtrue') + 1}`]);
    expect(published(dir)).toBe(false);
  });

  it('a mode the recipe sets on purpose (a 0600 file) passes the gate, which takes it from the recipe it built', async () => {
    const base = `${head('dtrue')}box-links:\n  - path: /lib64\n    target: lib\n`;
    const dir = await project(`${base}files:\n  - path: usr/local/share/doc/dtrue/COPYING\n    mode: "0600"\n`);
    const run = await tczbuild(['build', 'dtrue', ...tc14], { cwd: dir });
    expect(run.code, JSON.stringify(diagnosticsOf(run))).toBe(0);
    expect(published(dir)).toBe(true);
    const listing = await readFile(join(dir, 'out', '14.x', 'x86_64', 'tcz', 'dtrue.tcz.list'), 'utf8');
    expect(listing).toContain('usr/local/share/doc/dtrue/COPYING');
  });
});
