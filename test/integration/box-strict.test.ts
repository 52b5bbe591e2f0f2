/**
 * The stand-in box is as strict as TinyCore where it can be, in one boot (TCG): it has no /lib64,
 * so Debian's `true` packed without box-links (published past the gate with --no-verify) fails at
 * install naming the loader, while the same binary with `box-links: /lib64 -> lib` installs and
 * runs; and a test step whose two-line expect: sees only one line fails. The box is made for
 * TinyCore 14 (glibc 2.36, what the host's glibc and Debian 12's binaries match).
 */
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { diagnosticsOf, tczbuild, type CliRun } from '../helpers/cli.js';
import { inBootLane } from '../helpers/file-lock.js';
import { testdir } from '../helpers/testdir.js';
import { repoRoot } from './helpers/box-project.js';

const recipe = (name: string, tail: string): string => `name: ${name}
version: "1.0"
description: ${name} (strict box fixture)
author: tczbuild tests
original-site: https://example.invalid/
copying-policy: MIT
overlays: [${name}]
${tail}`;

let dir: string;
let run: CliRun;
let bareBuild: CliRun;

const stepOf = (title: string): Record<string, unknown> | undefined => run.events.find((e) => (e.data as { title?: string } | undefined)?.title?.startsWith(title))?.data as Record<string, unknown> | undefined;

beforeAll(async () => {
  const debianTrue = await readFile('/usr/bin/true');
  dir = await testdir({
    'recipes/bare.yaml': recipe('bare', 'test:\n  - name: runs\n    run: dtrue-bare && echo bare-ran\n'),
    'rootfs-overlays/bare/usr/local/bin/dtrue-bare': { content: debianTrue, mode: 0o755 },
    'rootfs-overlays/bare/usr/local/share/doc/bare/COPYING': 'MIT\n',
    'recipes/linked.yaml': recipe(
      'linked',
      'box-links:\n  - path: /lib64\n    target: lib\n    why: Debian binaries ask for /lib64/ld-linux-x86-64.so.2\ntest:\n  - name: runs\n    run: dtrue-linked && echo linked-ran\n    expect: linked-ran\n  - name: two lines expected, one printed\n    run: echo first line\n    expect: |\n      first line\n      second line\n',
    ),
    'rootfs-overlays/linked/usr/local/bin/dtrue-linked': { content: debianTrue, mode: 0o755 },
    'rootfs-overlays/linked/usr/local/share/doc/linked/COPYING': 'MIT\n',
  }, { keep: true });
  await runTool(join(repoRoot, 'scripts/make-standin-box.sh'), [join(dir, 'box')], { env: { ...process.env, STANDIN_TC_VERSION: '14.0' } });
  bareBuild = await tczbuild(['build', 'bare', '--tc-version', '14', '--json'], { cwd: dir });
  const past = await tczbuild(['build', 'bare', '--tc-version', '14', '--no-verify'], { cwd: dir });
  expect(past.code, past.stderr).toBe(0);
  const linked = await tczbuild(['build', 'linked', '--tc-version', '14'], { cwd: dir });
  expect(linked.code, linked.stderr).toBe(0);
  run = await inBootLane(() => tczbuild(['test', 'bare', 'linked', '--box', 'box/box.yaml', '--bound', '300', '--log-dir', 'log', '--json'], { cwd: dir }));
}, 900_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a stand-in box as strict as TinyCore', () => {
  it('has the loader only at /lib/ld-linux-x86-64.so.2, no /lib64, and declares the glibc it runs', async () => {
    const listing = execFileSync('sh', ['-c', `zcat "${join(dir, 'box/core.gz')}" | cpio -t --quiet`], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').map((l) => l.replace(/^\.\//, ''));
    expect(listing).toContain('lib/ld-linux-x86-64.so.2');
    expect(listing.filter((l) => l === 'lib64' || l.startsWith('lib64/'))).toEqual([]);
    const box = await readFile(join(dir, 'box/box.yaml'), 'utf8');
    expect(box).toContain('target: { tc-version: "14", arch: x86_64 }');
    expect(box).toMatch(/^glibc: "2\.\d+"$/m);
  });

  it('build without box-links exits 1 and publishes nothing (tcz-elf-interpreter)', () => {
    expect(bareBuild.code).toBe(1);
    expect(diagnosticsOf(bareBuild).filter((d) => d.severity === 'error').map((d) => d.id)).toEqual(['tcz-elf-interpreter']);
  });

  it('without box-links (built with --no-verify) the box test fails at install, naming the loader', () => {
    expect(stepOf('install bare')).toMatchObject({ status: 'fail', reason: expect.stringContaining('usr/local/bin/dtrue-bare asks for the loader /lib64/ld-linux-x86-64.so.2') });
    expect(stepOf('bare: runs')).toMatchObject({ status: 'skip', reason: expect.stringContaining('asks for the loader /lib64/ld-linux-x86-64.so.2') });
  });

  it('with box-links the same Debian binary installs and runs on the box', () => {
    expect(stepOf('install linked')).toMatchObject({ status: 'pass' });
    expect(stepOf('linked: runs')).toMatchObject({ status: 'pass' });
  });

  it('a two-line expect: fails when only one line is printed', () => {
    expect(stepOf('linked: two lines expected')).toMatchObject({ status: 'fail', reason: 'output lacks: second line' });
    expect(run.code).toBe(1);
  });
});
