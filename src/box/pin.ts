/**
 * `tczbuild pin` for box definitions: fill every `sha256: unpinned` of a boxes/*.yaml kernel or
 * initrd URL (all of them with --force) with the hash of the downloaded file, editing only those
 * scalars so comments and layout stay. Same downloads, cache and mirrors as recipe sources.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { isTczError } from '../diagnostics/errors.js';
import { writeAtomically, type PinChange } from '../images/pin/pin-recipes.js';
import { resolveSourceHash, type ResolveContext } from '../images/pin/resolve.js';
import { setScalars, type ScalarEdit } from '../images/pin/yaml-edit.js';
import { createSourceMap } from '../recipe/source-map.js';
import { LineCounter } from 'yaml';
import { writtenBox } from './schema.js';

export interface BoxPinResult {
  readonly changes: PinChange[];
  unchanged: number;
  readonly diagnostics: Diagnostic[];
  /** names of the boxes that were looked at */
  readonly seen: Set<string>;
}

/** Box files in dir (none when dir does not exist). */
export async function listBoxFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort().map((n) => join(dir, n));
}

export async function pinBoxes(o: { boxesDir: string; names: readonly string[]; force: boolean; ctx: ResolveContext; displayBase: string }): Promise<BoxPinResult> {
  const result: BoxPinResult = { changes: [], unchanged: 0, diagnostics: [], seen: new Set() };
  for (const file of await listBoxFiles(o.boxesDir)) {
    const shown = relative(o.displayBase, file) || file;
    const text = await readFile(file, 'utf8');
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    const map = createSourceMap(shown, doc, lines);
    const parsed = writtenBox.safeParse(doc.toJS());
    if (!parsed.success) {
      result.diagnostics.push(diag('invalid-value', { file: shown }, `${shown} is not a valid box definition: run \`tczbuild test --box ${shown}\` for details`));
      continue;
    }
    const box = parsed.data;
    if (o.names.length > 0 && !o.names.includes(box.name)) continue;
    result.seen.add(box.name);
    const entries: Array<{ key: (string | number)[]; url: string; sha256: string }> = [];
    if ('url' in box.kernel) entries.push({ key: ['kernel'], ...box.kernel });
    box.initrd.forEach((f, i) => {
      if ('url' in f) entries.push({ key: ['initrd', i], ...f });
    });
    const edits: ScalarEdit[] = [];
    for (const e of entries) {
      if (e.sha256 !== 'unpinned' && !o.force) continue;
      const path = [...e.key, 'sha256'];
      try {
        const value = await resolveSourceHash(e.url, o.ctx);
        if (value === e.sha256) result.unchanged++;
        else {
          edits.push({ path, value });
          result.changes.push({ ...map.at(path), what: `box ${box.name} ${e.url}`, from: e.sha256, to: value });
        }
      } catch (error) {
        if (!isTczError(error)) throw error;
        result.diagnostics.push(...error.diagnostics.map((d) => (d.file === undefined ? { ...d, ...map.at(path) } : d)));
      }
    }
    if (edits.length > 0) await writeAtomically(file, setScalars(text, edits));
  }
  return result;
}
