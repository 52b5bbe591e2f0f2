/**
 * Lint for the project's box definitions (`boxes/*.yaml` beside `recipes/`): each is read with
 * the same loader `tczbuild test` uses (YAML, schema, positions), its unpinned boot files are
 * listed as warnings like unpinned sources, and a target release the releases table does not
 * know is named, since nothing can judge extensions against it. Never downloads anything.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { isTczError } from '../diagnostics/errors.js';
import { findRelease } from '../tinycore/releases.js';
import { loadBox } from './load.js';

export async function lintBoxes(boxesDir: string, displayBase: string): Promise<{ count: number; diagnostics: Diagnostic[] }> {
  const names = (await readdir(boxesDir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n)).sort();
  const out: Diagnostic[] = [];
  for (const name of names) {
    try {
      const { box, map } = await loadBox(join(boxesDir, name), displayBase);
      const files = [{ f: box.kernel, key: ['kernel'] as (string | number)[] }, ...box.initrd.map((f, i) => ({ f, key: ['initrd', i] as (string | number)[] }))];
      for (const { f, key } of files) {
        if ('url' in f && f.sha256 === 'unpinned') out.push(diag('box-unpinned', map.at([...key, 'sha256']), `box ${box.name}: ${key.join('.')} (${f.url}) is unpinned`));
      }
      const { 'tc-version': version, arch } = box.target;
      if (!findRelease(version, arch)) out.push(diag('box-release-unknown', map.at(['target', 'tc-version']), `box ${box.name} targets TinyCore ${version}.x/${arch}, which src/tinycore/releases.ts does not list`));
    } catch (error) {
      if (!isTczError(error)) throw error;
      out.push(...error.diagnostics);
    }
  }
  return { count: names.length, diagnostics: out };
}
