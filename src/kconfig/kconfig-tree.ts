/**
 * I/O adapter: walk a kernel source tree and read every Kconfig file (`Kconfig`, `Kconfig.*`)
 * into a symbol index. Only reads files; the parsing lives in kconfig-language.ts.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../diagnostics/errors.js';
import { indexSymbols, parseKconfigSymbols, type KconfigSymbol } from './kconfig-language.js';

/** Directories that hold no Kconfig the kernel build reads, skipped for speed. */
const skipDirs = new Set(['.git', 'Documentation', 'tools', 'LICENSES', 'include', 'scripts']);

export async function isKernelTree(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'Kconfig'))).isFile() && (await stat(join(dir, 'Makefile'))).isFile();
  } catch {
    return false;
  }
}

/** Symbol → its `depends on` expressions, for every symbol the tree defines. */
export async function readKconfigIndex(treeDir: string): Promise<Map<string, string[]>> {
  if (!(await isKernelTree(treeDir))) fail('kconfig-source-invalid', { file: treeDir }, `${treeDir} has no top-level Kconfig and Makefile`, 'point at the top of an unpacked Linux source tree');
  const lists: KconfigSymbol[][] = [];
  for await (const file of kconfigFiles(treeDir, true)) lists.push(parseKconfigSymbols(await readFile(file, 'utf8')));
  return indexSymbols(lists);
}

async function* kconfigFiles(dir: string, top: boolean): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) {
      if (top && skipDirs.has(e.name)) continue;
      yield* kconfigFiles(join(dir, e.name), false);
    } else if (e.isFile() && (e.name === 'Kconfig' || e.name.startsWith('Kconfig.'))) {
      yield join(dir, e.name);
    }
  }
}
