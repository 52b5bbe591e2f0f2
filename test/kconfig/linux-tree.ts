/**
 * The real Linux tree the kconfig integration tests run against: Debian's linux-source-6.1,
 * unpacked once into a cache directory outside the repo and reused by later runs on the same
 * machine. Unpacks into a temporary sibling and renames, so an interrupted unpack is never
 * mistaken for a tree. A missing tarball fails the test (install linux-source-6.1), never skips it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runTool } from '../../src/util/exec.js';
import { holdFileLock } from '../helpers/file-lock.js';

export const linuxTarball = '/usr/src/linux-source-6.1.tar.xz';
export const cacheDir = process.env.TCZBUILD_TEST_CACHE ?? '/var/cache/tczbuild-test';
const treeName = 'linux-source-6.1';

export async function ensureLinuxTree(): Promise<string> {
  const tree = join(cacheDir, treeName);
  if (existsSync(join(tree, 'Makefile')) && existsSync(join(tree, 'Kconfig'))) return tree;
  if (!existsSync(linuxTarball)) throw new Error(`${linuxTarball} is missing: apt-get install linux-source-6.1 (scripts/setup.sh does)`);
  await mkdir(cacheDir, { recursive: true });
  // several test files ask at once on a fresh machine: one unpacks, the others wait and reuse it
  const lock = await holdFileLock(`${tree}.lock`);
  try {
    if (!(existsSync(join(tree, 'Makefile')) && existsSync(join(tree, 'Kconfig')))) await unpackLinuxTree(tree);
  } finally {
    await lock.release();
  }
  return tree;
}

async function unpackLinuxTree(tree: string): Promise<void> {
  const tmp = await mkdtemp(join(cacheDir, '.unpack-'));
  try {
    await runTool('tar', ['-xJf', linuxTarball, '-C', tmp], { env: process.env });
    // Another test run on this machine may have finished its unpack first: keep whichever landed.
    await rename(join(tmp, treeName), tree).catch((error: unknown) => {
      if (!existsSync(join(tree, 'Makefile'))) throw error;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** VERSION.PATCHLEVEL.SUBLEVEL+EXTRAVERSION from the tree's Makefile: the release without LOCALVERSION. */
export async function makefileRelease(tree: string): Promise<string> {
  const text = await readFile(join(tree, 'Makefile'), 'utf8');
  const field = (name: string): string => new RegExp(`^${name} = ?(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return `${field('VERSION')}.${field('PATCHLEVEL')}.${field('SUBLEVEL')}${field('EXTRAVERSION')}`;
}

/** Debian's prepared headers for its amd64 kernel (linux-headers-amd64); missing fails the test. */
export async function debianHeadersDir(): Promise<string> {
  const { readdir } = await import('node:fs/promises');
  const names = (await readdir('/usr/src')).filter((n) => /^linux-headers-.*-amd64$/.test(n)).sort();
  if (names.length === 0) throw new Error('no /usr/src/linux-headers-*-amd64: apt-get install linux-headers-amd64 (scripts/setup.sh does)');
  return join('/usr/src', names[names.length - 1]!);
}
