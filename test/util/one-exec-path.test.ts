/**
 * Issue 20: one process-starting path. Only src/util/exec.ts imports node:child_process (and
 * nothing in src/ imports execa); every program tczbuild runs (mksquashfs, QEMU, git for --version, the spawner's
 * shells) starts there, so its process group, Ctrl-C handling and parent-death signal are
 * decided in one place. src/demo/ is the `npm run demo` driver, which runs tczbuild and the
 * fixture tools the way a user at a shell would; it is not part of tczbuild and is left out.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsSources } from '../helpers/source-files.js';

const src = join(import.meta.dirname, '..', '..', 'src');

/** A value import (not `import type`) of a process-starting module. */
const startsPrograms = [/^import (?!type\b)[^;]*from '(?:node:)?child_process'/m, /from 'execa'/, /import\(['"](?:node:)?child_process['"]\)/, /import\(['"]execa['"]\)/, /\brequire\(['"](?:node:)?child_process['"]\)/];

describe('one process-starting path', () => {
  it('starts every program from src/util/exec.ts and nowhere else', async () => {
    const offenders: string[] = [];
    let seen = 0;
    for (const file of await tsSources(src)) {
      const rel = relative(src, file);
      if (rel.startsWith('demo/')) continue;
      const code = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (rel === join('util', 'exec.ts')) {
        seen += startsPrograms.filter((p) => p.test(code)).length;
        continue;
      }
      for (const pattern of startsPrograms) if (pattern.test(code)) offenders.push(`${rel}: ${pattern.source}`);
    }
    expect(offenders).toEqual([]);
    // the patterns match the real thing: exec.ts imports child_process, and execa's import form is one of them
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(startsPrograms.some((p) => p.test("import { execa } from 'execa';"))).toBe(true);
  });

  it('imports no execa anywhere in src/: runTool runs on startProgram, and execa stays a test dependency', async () => {
    // execa was ~130 modules and ~0.1 s of every build's start-up, for two short tool runs
    const importers: string[] = [];
    for (const file of await tsSources(src)) if (/from 'execa'|import\(['"]execa['"]\)/.test(await readFile(file, 'utf8'))) importers.push(relative(src, file));
    expect(importers).toEqual([]);
    const pkg = JSON.parse(await readFile(join(src, '..', 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('execa');
    expect(Object.keys(pkg.devDependencies)).toContain('execa');
  });

  it('has one spawn() in exec.ts, which every long-lived child goes through', async () => {
    const code = (await readFile(join(src, 'util', 'exec.ts'), 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect([...code.matchAll(/\bspawn\(/g)]).toHaveLength(1);
    for (const user of ['box/qemu.ts', 'util/spawner.ts']) expect(await readFile(join(src, user), 'utf8')).toMatch(/\bstartProgram\(/);
  });
});
