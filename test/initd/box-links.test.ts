/**
 * box-links: the install hook makes the links a recipe declares (the ELF loader's /lib64, CNI's
 * /opt/cni/bin) on the box under busybox ash, only where nothing exists, and leaves the base
 * system's own files and directories as they were; the image never ships those paths.
 */
import { lstat, mkdir, readlink, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { recipeFromYaml, recipeHead } from './helpers/recipe.js';
import { makeSandbox } from './helpers/sandbox.js';

const hook = 'usr/local/tce.installed/linked';
const files = generateInitFiles(
  recipeFromYaml(`${recipeHead('linked')}box-links:
  - { path: /lib64, target: lib, why: the loader upstream binaries ask for }
  - { path: /opt/cni/bin, target: /usr/local/lib/cni/bin }
`),
  { tcVersion: '11', arch: 'x86_64' },
);

describe('box-links in the install hook', () => {
  it('a recipe with links and no services still gets a hook, and nothing else', () => {
    expect(files.map((f) => f.path)).toEqual([hook]);
    expect(files[0]!.content).toContain('box_link /lib64 lib  # the loader upstream binaries ask for\n');
  });

  it('makes each link where the box has nothing, without touching /opt itself', async () => {
    const sb = await makeSandbox(files);
    await mkdir(join(sb.root, 'opt'), { mode: 0o775 });
    const before = await stat(join(sb.root, 'opt'));
    const r = await sb.run(hook);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readlink(join(sb.root, 'lib64'))).toBe('lib');
    expect(await readlink(join(sb.root, 'opt/cni/bin'))).toBe('/usr/local/lib/cni/bin');
    const after = await stat(join(sb.root, 'opt'));
    expect([after.mode, after.uid, after.gid]).toEqual([before.mode, before.uid, before.gid]);
    expect((await sb.run(hook)).code).toBe(0); // at every boot again: no change, no error
    expect(await readlink(join(sb.root, 'lib64'))).toBe('lib');
  });

  it('keeps what the box already has there: a real /lib64 directory, another link', async () => {
    const sb = await makeSandbox(files);
    await mkdir(join(sb.root, 'lib64'));
    await mkdir(join(sb.root, 'opt/cni'), { recursive: true });
    await symlink('/somewhere/else', join(sb.root, 'opt/cni/bin'));
    expect((await sb.run(hook)).code).toBe(0);
    expect((await lstat(join(sb.root, 'lib64'))).isDirectory()).toBe(true);
    expect(await readlink(join(sb.root, 'opt/cni/bin'))).toBe('/somewhere/else');
  });
});
