/**
 * `tczbuild verify --repro` with the real builder: a mirror built by `tczbuild build` from a
 * small overlay-only recipe reproduces byte for byte; a .tcz repacked by hand (same files,
 * companions updated so every other check passes) is caught only by the rebuild.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';

let project: string;
const tcz = (): string => join(project, 'out', '11.x', 'x86_64', 'tcz');

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c) => (out += String(c)));
  const code = await runCli(args, { stdin: process.stdin, stdout, stderr: stdout, cwd: project, env: { HOME: project, PATH: process.env.PATH }, colorDepth: 1 });
  return { code, out };
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'tczbuild-repro-'));
  await mkdir(join(project, 'recipes'));
  await mkdir(join(project, 'rootfs-overlays', 'demo', 'usr', 'local', 'share', 'demo'), { recursive: true });
  await writeFile(join(project, 'rootfs-overlays', 'demo', 'usr', 'local', 'share', 'demo', 'hello.txt'), 'hello\n');
  await writeFile(
    join(project, 'recipes', 'demo.yaml'),
    'name: demo\nversion: "1.0"\ndescription: a demo\nauthor: me\noriginal-site: http://127.0.0.1/\ncopying-policy: MIT\noverlays: [demo]\n',
  );
  const built = await cli(['build', 'demo', '--cache', 'cache']);
  expect(built.code, built.out).toBe(0);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('verify --repro', () => {
  it('passes on a mirror the builder just produced', async () => {
    const r = await cli(['verify', 'out', '--repro', '--cache', 'cache']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('0 error(s)');
  });

  it('catches a .tcz repacked by hand that every other check accepts', async () => {
    const dir = tcz();
    const root = join(project, 'unpacked');
    await execa('unsquashfs', ['-d', root, '-no-xattrs', join(dir, 'demo.tcz')]);
    await execa('mksquashfs', [root, join(dir, 'demo.tcz'), '-b', '4k', '-no-xattrs', '-noappend', '-quiet', '-no-progress']);
    await execa('sh', ['-c', 'md5sum demo.tcz > demo.tcz.md5.txt'], { cwd: dir });
    expect((await cli(['index', 'out'])).code).toBe(0);
    expect((await cli(['verify', 'out'])).code).toBe(0);

    const r = await cli(['verify', 'out', '--repro', '--cache', 'cache']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/demo\.tcz: error\[repro-mismatch\]/);
    expect(r.out).toMatch(/demo\.tcz\.md5\.txt: error\[repro-mismatch\]/);
  });
});
