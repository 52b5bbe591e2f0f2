/**
 * removeTree(): a build's work directory goes whole, links in it are removed without touching
 * what they point to, and a directory of thousands of entries is removed a few at a time (fs.rm
 * starts them all at once: the memory of thousands of pending requests at the end of a build).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { testdir } from '../helpers/testdir.js';

let inFlight = 0;
let most = 0;
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return {
    ...fs,
    rm: async (...args: Parameters<typeof fs.rm>) => {
      most = Math.max(most, ++inFlight);
      try {
        return await fs.rm(...args);
      } finally {
        inFlight--;
      }
    },
  };
});
const { removeTree } = await import('../../src/builder/tree-move.js');

describe('removeTree', () => {
  it('removes nested directories, files and links, and leaves what a link points to', async () => {
    const dir = await testdir();
    const keep = join(dir, 'keep');
    await mkdir(keep);
    await writeFile(join(keep, 'precious'), 'kept\n');
    const work = join(dir, 'work');
    await mkdir(join(work, 'a', 'root', 'usr', 'local'), { recursive: true });
    await writeFile(join(work, 'a', 'root', 'usr', 'local', 'f'), 'x');
    await symlink(keep, join(work, 'a', 'to-keep'));
    await symlink(join(keep, 'precious'), join(work, 'file-link'));
    await removeTree(work);
    expect(existsSync(work)).toBe(false);
    expect(await readFile(join(keep, 'precious'), 'utf8')).toBe('kept\n');
  });

  it('is no error for a missing path, and removes a plain file', async () => {
    const dir = await testdir();
    await removeTree(join(dir, 'absent'));
    await writeFile(join(dir, 'file'), 'x');
    await removeTree(join(dir, 'file'));
    expect(existsSync(join(dir, 'file'))).toBe(false);
  });

  it('has at most a few removals of a large directory in flight', async () => {
    const dir = await testdir();
    const work = join(dir, 'many');
    await mkdir(work);
    for (let i = 0; i < 300; i++) await writeFile(join(work, `f${i}`), 'x');
    most = 0;
    await removeTree(work, 4);
    expect(existsSync(work)).toBe(false);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
  });
});
