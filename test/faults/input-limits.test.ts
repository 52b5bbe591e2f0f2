/**
 * The same input limits for every YAML file and every path tczbuild reads: alias and nesting
 * bombs in tczbuild.yaml and in box definitions, a recipe that is a FIFO, a directory or
 * /dev/zero, --config /dev/zero, and a 240-character extension name. Each is a clear error at
 * its file (exit 1), never a hang, a bug report (exit 70) or gigabytes of memory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const recipe = (name: string): string => `name: ${name}\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: https://example.invalid/\ncopying-policy: MIT\nallow-empty: true\n`;

/** A billion-laughs document: each level doubles ten times over. */
function aliasBomb(prefix = ''): string {
  let text = `${prefix}a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n`;
  for (let i = 1; i < 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
  return text;
}

const nestingBomb = `deep: ${'['.repeat(3000)}${']'.repeat(3000)}\n`;

async function lint(dir: string, args: string[] = []): Promise<{ code: number; ids: string[]; messages: string[]; files: Array<string | undefined>; ms: number }> {
  const start = performance.now();
  const run = await tczbuild(['lint', '--json', ...args], { cwd: dir });
  const d = diagnosticsOf(run);
  return { code: run.code, ids: d.map((x) => x.id), messages: d.map((x) => x.message), files: d.map((x) => x.file), ms: performance.now() - start };
}

describe('tczbuild.yaml has the limits recipes have', () => {
  it.each([
    ['an alias bomb', aliasBomb(), /aliases expand to too many nodes/],
    ['a nesting bomb', nestingBomb, /nests more than 64 levels/],
  ])('%s is a config error at its line', async (_what, text, message) => {
    const dir = await testdir({ 'tczbuild.yaml': text, 'recipes/hello.yaml': recipe('hello') });
    const r = await lint(dir);
    expect(r.code).toBe(1);
    expect(r.ids).toEqual(['config-invalid']);
    expect(r.messages[0]).toMatch(message);
  });

  it('--config /dev/zero is refused at once, not read', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello') });
    const r = await lint(dir, ['--config', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.ids).toEqual(['config-invalid']);
    expect(r.messages[0]).toContain('/dev/zero is a device, not a regular file');
    expect(r.ms).toBeLessThan(5000);
  });
});

describe('box definitions have the limits recipes have', () => {
  it.each([
    ['an alias bomb', aliasBomb('name: bomb\n')],
    ['a nesting bomb', nestingBomb],
  ])('%s is an error at the box file', async (_what, text) => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello'), 'boxes/bomb.yaml': text });
    const r = await lint(dir);
    expect(r.code).toBe(1);
    expect(r.ids).toEqual(['yaml-limit']);
    expect(r.files[0]).toBe('boxes/bomb.yaml');
  });
});

describe('what stands at a recipe name', () => {
  it('a FIFO is refused, not waited on', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello') });
    execFileSync('mkfifo', [join(dir, 'recipes/fifo.yaml')]);
    const r = await lint(dir);
    expect(r.code).toBe(1);
    expect(r.ids).toEqual(['recipe-unreadable']);
    expect(r.files[0]).toBe('recipes/fifo.yaml');
    expect(r.messages[0]).toContain('a FIFO (named pipe), not a regular file');
  }, 10_000);

  it('a directory is refused', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello') });
    await mkdir(join(dir, 'recipes/dir.yaml'));
    const r = await lint(dir);
    expect([r.code, r.ids]).toEqual([1, ['recipe-unreadable']]);
    expect(r.messages[0]).toContain('is a directory');
  });

  it('/dev/zero is refused at once', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello') });
    await symlink('/dev/zero', join(dir, 'recipes/zero.yaml'));
    const r = await lint(dir);
    expect([r.code, r.ids]).toEqual([1, ['recipe-unreadable']]);
    expect(r.messages[0]).toContain('is a device, not a regular file');
    expect(r.ms).toBeLessThan(5000);
  });

  it('a recipe larger than 1 MiB is refused', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello') + `# ${'x'.repeat(1024 * 1024)}\n` });
    const r = await lint(dir);
    expect([r.code, r.ids]).toEqual([1, ['recipe-unreadable']]);
    expect(r.messages[0]).toContain('larger than 1048576 bytes');
  });

  it('a 240-character name is an error at its line, not a crash writing NAME.tcz files', async () => {
    const name = 'a'.repeat(240);
    const dir = await testdir({});
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', `${name}.yaml`), recipe(name));
    const r = await lint(dir);
    expect(r.code).toBe(1);
    expect(r.ids).toEqual(['invalid-value']);
    expect(r.messages[0]).toContain('at most 128 characters');
    const all = await tczbuild(['all', '--json', '--cache', join(dir, 'cache')], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1600000000' } });
    expect(all.code).toBe(1);
    expect(diagnosticsOf(all).map((d) => d.id)).toEqual(['invalid-value']);
  });
});

describe('SOURCE_DATE_EPOCH', () => {
  it.each(['-1', 'abc', ' 1600000000', '1.5', '99999999999'])('%j is refused with a clear error before any work', async (value) => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello') });
    const r = await tczbuild(['all', '--json', '--cache', join(dir, 'cache')], { cwd: dir, env: { SOURCE_DATE_EPOCH: value } });
    expect(r.code).toBe(1);
    const d = diagnosticsOf(r);
    expect(d.map((x) => x.id)).toEqual(['source-date-epoch-invalid']);
    expect(d[0]!.message).toContain(`SOURCE_DATE_EPOCH=${JSON.stringify(value)}`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a well-formed one is used', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe('hello') });
    const r = await tczbuild(['all', '--json', '--cache', join(dir, 'cache')], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1600000000' } });
    expect(r.code, r.stdout).toBe(0);
  });
});
