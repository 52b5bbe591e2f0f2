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
import { elfHeader } from '../mirror/fixture-mirror.js';

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
  // a second recipe with a downloaded source (file://), a generated init script and hook, and upstream deps
  await mkdir(join(project, 'src', 'pkg', 'bin'), { recursive: true });
  await writeFile(join(project, 'src', 'pkg', 'bin', 'tool'), Buffer.concat([elfHeader(62), Buffer.from('tool')]), { mode: 0o755 });
  await execa('tar', ['-C', join(project, 'src'), '-czf', join(project, 'tool.tar.gz'), 'pkg']);
  const sha = (await execa('sha256sum', [join(project, 'tool.tar.gz')])).stdout.split(' ')[0];
  await writeFile(
    join(project, 'recipes', 'tool.yaml'),
    [
      'name: tool', 'version: "2.0"', 'description: a tool', 'author: me', 'original-site: http://127.0.0.1/', 'copying-policy: MIT',
      'depends: [iptables, netfilter-KERNEL]',
      'sources:', `  - url: file://${project}/tool.tar.gz`, `    sha256: ${sha}`, '    extract: { strip: 1, into: usr/local }',
      'runtime-paths: [var/lib/tool]',
      'services:', '  cgroupfs:', '    kind: cgroupfs', '',
    ].join('\n'),
  );
  const built = await cli(['build', 'demo', 'tool', '--cache', 'cache']);
  expect(built.code, built.out).toBe(0);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('verify --repro', () => {
  it('finds no error in what the builder publishes (source, init script, hook, upstream deps)', async () => {
    const r = await cli(['verify', 'out', '--json']);
    expect(r.code, r.out).toBe(0);
    const ids = r.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; diagnostic?: { id: string; severity: string } }).flatMap((e) => (e.diagnostic ? [e.diagnostic] : []));
    expect(ids.filter((d) => d.severity === 'error')).toEqual([]);
  });

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
