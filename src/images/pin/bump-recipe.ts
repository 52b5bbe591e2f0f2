/**
 * `tczbuild bump NAME VERSION`, the service: set the recipe's `version:`, then re-resolve every
 * source URL with the new version substituted, download and hash each, and write the new
 * sha256s, editing only those scalars so comments and layout stay (pin's editor). Nothing is
 * written unless every source resolved: a half-bumped recipe would build nothing. Returns the
 * old and new text so the command can print the difference.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { diag, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { isTczError, TczError } from '../../diagnostics/errors.js';
import { listRecipeFiles } from '../../recipe/load.js';
import type { Target } from '../../recipe/model.js';
import { parseRecipe } from '../../recipe/parse.js';
import { redactUserinfo } from '../../util/credentials.js';
import { sourceUrl, writeAtomically, type PinChange } from './pin-recipes.js';
import { resolveSourceHash, type ResolveContext } from './resolve.js';
import { setScalars, type ScalarEdit } from './yaml-edit.js';

export interface BumpOptions {
  readonly recipesDir: string;
  readonly name: string;
  readonly version: string;
  readonly target: Target;
  readonly displayBase: string;
  readonly ctx: ResolveContext;
}

export interface BumpResult {
  readonly file: string;
  readonly before: string;
  readonly after: string;
  readonly changes: readonly PinChange[];
}

export async function bumpRecipe(o: BumpOptions): Promise<BumpResult> {
  const found = await findRecipe(o.recipesDir, o.name, o.displayBase);
  const shown = relative(o.displayBase, found.file) || found.file;
  const before = found.text;
  const versioned = setScalars(before, [{ path: ['version'], value: o.version }]);
  const parsed = parseRecipe(versioned, shown);
  if (!parsed.ok) throw new TczError(parsed.diagnostics);
  const w = parsed.value;
  const changes: PinChange[] = [{ ...parsed.map.at(['version']), what: 'version', from: found.version, to: o.version }];
  const edits: ScalarEdit[] = [];
  const failures: Diagnostic[] = [];
  for (const [i, source] of w.sources.entries()) {
    const url = sourceUrl(w, parsed.map, i, { ...o.target, arch: source.arch?.[0] ?? o.target.arch });
    const at = parsed.map.at(['sources', i, 'sha256']);
    if (url === undefined) continue;
    try {
      const sha = await resolveSourceHash(url, o.ctx);
      if (sha !== source.sha256) {
        edits.push({ path: ['sources', i, 'sha256'], value: sha });
        changes.push({ ...at, what: `source ${redactUserinfo(url)}`, from: source.sha256, to: sha });
      }
    } catch (error) {
      if (!isTczError(error)) throw error;
      failures.push(...error.diagnostics.map((d) => (d.file === undefined ? { ...d, ...at } : d)));
    }
  }
  if (failures.length > 0) throw new TczError([...failures, diag('bump-not-written', { file: shown }, `${o.name} was not bumped to ${o.version}: ${failures.length} source(s) could not be fetched; ${shown} is unchanged`)]);
  const after = setScalars(versioned, edits);
  if (after !== before) await writeAtomically(found.file, after);
  return { file: shown, before, after, changes };
}

async function findRecipe(dir: string, name: string, displayBase: string): Promise<{ file: string; text: string; version: string }> {
  for (const file of await listRecipeFiles(dir)) {
    const text = await readFile(file, 'utf8');
    const parsed = parseRecipe(text, relative(displayBase, file) || file);
    if (parsed.ok && parsed.value.name === name) return { file, text, version: parsed.value.version };
  }
  throw new TczError([diag('recipe-not-found', undefined, `no recipe named ${name} in ${dir}`)]);
}

/** The changed lines as a unified diff (bump edits scalars in place, so lines pair up one to one). */
export function lineDiff(file: string, before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length !== b.length) return `--- a/${file}\n+++ b/${file}\n${a.map((l) => `-${l}`).join('\n')}\n${b.map((l) => `+${l}`).join('\n')}\n`;
  const hunks: string[] = [];
  a.forEach((line, i) => {
    if (line !== b[i]) hunks.push(`@@ -${i + 1} +${i + 1} @@\n-${line}\n+${b[i]}`);
  });
  return hunks.length === 0 ? '' : `--- a/${file}\n+++ b/${file}\n${hunks.join('\n')}\n`;
}
