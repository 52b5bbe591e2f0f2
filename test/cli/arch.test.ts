/**
 * Arch mistakes: a Go/Debian arch name in a recipe is an error naming the TinyCore arch it most
 * likely meant, and a recipe with no sources for the target being built is reported and not
 * published as an empty .tcz.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir, writeTree } from '../helpers/testdir.js';

const tool = '#!/bin/sh\necho tool\n';
const sha = createHash('sha256').update(tool).digest('hex');

function recipe(name: string, arch: string): string {
  return `name: ${name}
version: "1.0"
description: An arch-limited tool
author: Test
original-site: https://example.invalid
copying-policy: MIT
sources:
  - url: file://\${PWD_FILE}
    sha256: ${sha}
    arch: [${arch}]
    install: { to: usr/local/bin/${name}, mode: "0755" }
`;
}

async function project(arches: Record<string, string>): Promise<string> {
  const dir = await testdir({ 'tool.sh': tool });
  const files: Record<string, string> = {};
  for (const [name, arch] of Object.entries(arches)) files[`recipes/${name}.yaml`] = recipe(name, arch).replace('${PWD_FILE}', join(dir, 'tool.sh'));
  await writeTree(dir, files);
  return dir;
}

describe('arch values in recipes', () => {
  it('refuses amd64 with a did-you-mean at its line and column', async () => {
    const dir = await project({ gotool: 'amd64' });
    const run = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run)).toEqual([
      expect.objectContaining({ id: 'invalid-value', file: 'recipes/gotool.yaml', line: 10, col: 12, message: expect.stringContaining('"amd64" is not a TinyCore arch; did you mean x86_64?') }),
    ]);
    const build = await tczbuild(['all', '--cache', 'cache'], { cwd: dir });
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('did you mean x86_64?');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('suggests aarch64 for arm64 and lists the arches for a value with no likely meaning', async () => {
    const arm = await tczbuild(['lint'], { cwd: await project({ armtool: 'arm64' }) });
    expect(arm.stderr).toContain('"arm64" is not a TinyCore arch; did you mean aarch64?');
    const mips = await tczbuild(['lint'], { cwd: await project({ mipstool: 'mips' }) });
    expect(mips.stderr).toContain('"mips" is not a TinyCore arch (one of x86_64, x86, aarch64, armv7, armv6)');
    const flag = await tczbuild(['all', '--arch', 'amd64'], { cwd: await project({ x: 'x86_64' }) });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('did you mean x86_64?');
  });
});

describe('a recipe with no sources for the target', () => {
  it('is reported and skipped by all, not published empty', async () => {
    const dir = await project({ armonly: 'aarch64', native: 'x86_64' });
    const run = await tczbuild(['all', '--cache', 'cache', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(diagnosticsOf(run)).toEqual([
      expect.objectContaining({ id: 'no-sources-for-target', file: 'recipes/armonly.yaml', line: 8, message: 'armonly has no sources for 11.x/x86_64 (its sources are for aarch64), so it is not built for this target' }),
    ]);
    const tcz = join(dir, 'out/11.x/x86_64/tcz');
    expect(existsSync(join(tcz, 'native.tcz'))).toBe(true);
    expect(existsSync(join(tcz, 'armonly.tcz'))).toBe(false);
    expect(await readFile(join(tcz, 'md5.db'), 'utf8').catch(() => '')).not.toContain('armonly');
    // explain agrees with all: nothing left to build, and nothing said about armonly.
    const explained = await tczbuild(['explain', '--cache', 'cache'], { cwd: dir });
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).not.toContain('armonly');
  });

  it('is an error when named explicitly, and builds for the arch it has sources for', async () => {
    const dir = await project({ armonly: 'aarch64' });
    const run = await tczbuild(['build', 'armonly', '--cache', 'cache'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error[no-sources-for-target]');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const arm = await tczbuild(['build', 'armonly', '--cache', 'cache', '--arch', 'aarch64'], { cwd: dir });
    expect(arm.code).toBe(0);
    expect(existsSync(join(dir, 'out/11.x/aarch64/tcz/armonly.tcz'))).toBe(true);
  });
});
