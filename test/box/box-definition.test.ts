import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderBoxJsonSchema } from '../../src/box/json-schema.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { testdir } from '../helpers/testdir.js';

const repo = new URL('../..', import.meta.url).pathname;
const recipe = 'name: hello\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: https://example.invalid/\ncopying-policy: MIT\n';

describe('box definitions', () => {
  it('publish a JSON Schema that matches the validator', async () => {
    expect(await readFile(join(repo, 'boxes/box.schema.json'), 'utf8')).toBe(renderBoxJsonSchema());
  });

  it('ship TinyCore 17.x, 16.x, 15.x and 11.x release files, unpinned, which `tczbuild test` refuses until pinned', async () => {
    for (const v of ['17', '16', '15', '11']) {
      const text = await readFile(join(repo, `boxes/tinycore-${v}.x-x86_64.yaml`), 'utf8');
      for (const f of ['vmlinuz64', 'corepure64.gz', 'modules64.gz']) expect(text).toContain(`http://tinycorelinux.net/${v}.x/x86_64/release/distribution_files/${f}, sha256: unpinned }`);
    }
    const dir = await testdir({ 'recipes/hello.yaml': recipe, 'out/15.x/x86_64/tcz/hello.tcz': 'x' });
    const run = await tczbuild(['test', 'hello', '--box', join(repo, 'boxes/tinycore-15.x-x86_64.yaml'), '--offline', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(diagnosticsOf(run).map((d) => [d.id, d.line])).toEqual([['source-hash-missing', 7], ['source-hash-missing', 9], ['source-hash-missing', 10]]);
  });

  it('lint reads every box of the project: the shipped ones pass with their unpinned files listed, a bad one is an error at its line', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe });
    await mkdir(join(dir, 'boxes'), { recursive: true });
    for (const v of ['16', '17']) {
      const name = `tinycore-${v}.x-x86_64.yaml`;
      await writeFile(join(dir, 'boxes', name), await readFile(join(repo, 'boxes', name), 'utf8'));
    }
    const ok = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(ok.code, ok.stdout).toBe(0);
    const d = diagnosticsOf(ok);
    expect(d.map((x) => [x.id, x.file, x.line])).toEqual([
      ['box-unpinned', 'boxes/tinycore-16.x-x86_64.yaml', 9],
      ['box-unpinned', 'boxes/tinycore-16.x-x86_64.yaml', 11],
      ['box-unpinned', 'boxes/tinycore-16.x-x86_64.yaml', 12],
      ['box-unpinned', 'boxes/tinycore-17.x-x86_64.yaml', 9],
      ['box-unpinned', 'boxes/tinycore-17.x-x86_64.yaml', 11],
      ['box-unpinned', 'boxes/tinycore-17.x-x86_64.yaml', 12],
    ]);
    await writeFile(join(dir, 'boxes/bad.yaml'), 'name: b\nkernel: { path: k }\ninitrd: [{ path: i }]\ntarget: { tc-version: "99", arch: aarch64 }\n');
    const bad = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(diagnosticsOf(bad).filter((x) => x.file === 'boxes/bad.yaml').map((x) => [x.id, x.line])).toEqual([['invalid-value', 4]]);
  });

  it('all --target 17.x/x86_64 plans and publishes the 17.x mirror paths', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': `${recipe}overlays: [hello]\n`, 'rootfs-overlays/hello/usr/local/share/hello/readme': 'hi\n' });
    const explain = await tczbuild(['explain', '--target', '17.x/x86_64'], { cwd: dir });
    expect(explain.code, explain.stdout + explain.stderr).toBe(0);
    expect(explain.stdout).toContain('hello');
    const run = await tczbuild(['all', '--target', '17.x/x86_64', '--json'], { cwd: dir });
    expect(run.code, run.stdout).toBe(0);
    for (const f of ['hello.tcz', 'hello.tcz.md5.txt', 'hello.tcz.info', 'hello.tcz.list', 'md5.db.gz']) {
      await expect(readFile(join(dir, 'out/17.x/x86_64/tcz', f))).resolves.toBeInstanceOf(Buffer);
    }
  });

  it('report a bad key with file, line and column, and a missing extension by path', async () => {
    const dir = await testdir({
      'recipes/hello.yaml': recipe,
      'bad.yaml': 'name: b\nkernel: { path: k }\ninitrd: [{ path: i }]\nmemroy: 512\ntarget: { tc-version: "15" }\n',
      'good.yaml': 'name: g\nkernel: { path: k }\ninitrd: [{ path: i }]\ntarget: { tc-version: "15" }\n',
    });
    const bad = await tczbuild(['test', 'hello', '--box', 'bad.yaml', '--json'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(diagnosticsOf(bad)).toMatchObject([{ id: 'unknown-key', file: 'bad.yaml', line: 4, col: 1 }]);
    const missing = await tczbuild(['test', 'hello', '--box', 'good.yaml', '--json'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(diagnosticsOf(missing)).toMatchObject([{ id: 'box-extension-missing', file: join(dir, 'out/15.x/x86_64/tcz/hello.tcz') }]);
  });

  it('`tczbuild pin` fills a box\'s unpinned hashes from the downloads, keeping comments', async () => {
    const kernel = Buffer.from('kernel bytes');
    const initrd = Buffer.from('initrd bytes');
    const server = await startFixtureServer({ '/vmlinuz64': { body: kernel }, '/core.gz': { body: initrd } });
    try {
      const box = `# my box\nname: mine\nkernel: { url: ${server.url}/vmlinuz64, sha256: unpinned }   # the kernel\ninitrd:\n  - url: ${server.url}/core.gz\n    sha256: unpinned\ntarget: { tc-version: "15" }\n`;
      const dir = await testdir({ 'recipes/hello.yaml': recipe, 'boxes/mine.yaml': box });
      const run = await tczbuild(['pin', '--cache', 'cache', '--json'], { cwd: dir });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const hash = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
      expect(await readFile(join(dir, 'boxes/mine.yaml'), 'utf8')).toBe(box.replace('sha256: unpinned }', `sha256: ${hash(kernel)} }`).replace('    sha256: unpinned', `    sha256: ${hash(initrd)}`));
    } finally {
      await server.close();
    }
  });
});
