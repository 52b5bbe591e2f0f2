/**
 * `lint --strict`: what a CI gate refuses on top of ordinary lint: TODO values `tczbuild new`
 * left, glob syntax the matcher does not support (it knows * ** ? only, so [..] and {..} would
 * match themselves literally), overlays whose directory does not exist, and symlinks whose
 * relative target climbs out of the image. Reads the recipe and checks overlay directories.
 */
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Recipe } from './model.js';

type KeyPath = (string | number)[];

export function strictChecks(recipe: Recipe, overlaysDir: string): Diagnostic[] {
  return [...todoValues(recipe), ...globSyntax(recipe), ...missingOverlays(recipe, overlaysDir), ...escapingSymlinks(recipe)];
}

function todoValues(recipe: Recipe): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (value: unknown, path: KeyPath): void => {
    if (typeof value === 'string') {
      if (/^TODO\b/.test(value.trim())) out.push(diag('strict-todo', recipe.positionOf(path), `${recipe.name}: ${path.join('.')} is still "${value}"`));
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(recipe.written, []);
  return out;
}

function globSyntax(recipe: Recipe): Diagnostic[] {
  const patterns: Array<[string, KeyPath]> = [];
  recipe.written.files.forEach((f, i) => patterns.push([f.path, ['files', i, 'path']]));
  recipe.written.sources.forEach((s, i) => {
    for (const key of ['include', 'exclude'] as const) (s.extract?.[key] ?? []).forEach((p, j) => patterns.push([p, ['sources', i, 'extract', key, j]]));
  });
  return patterns
    .filter(([p]) => /[[\]{}]/.test(p))
    .map(([p, path]) => diag('strict-glob-syntax', recipe.positionOf(path), `${recipe.name}: "${p}" uses [ ] or { }, which match only themselves here`));
}

function missingOverlays(recipe: Recipe, overlaysDir: string): Diagnostic[] {
  return recipe.overlays.flatMap((name, i) =>
    existsSync(join(overlaysDir, name)) ? [] : [diag('strict-overlay-missing', recipe.overlaysAt[i], `${recipe.name}: overlay ${name} has no directory ${join(overlaysDir, name)}`)],
  );
}

function escapingSymlinks(recipe: Recipe): Diagnostic[] {
  return recipe.symlinks.flatMap((l) => {
    if (l.target.startsWith('/')) return [];
    const landed = posix.normalize(posix.join(posix.dirname(l.path), l.target));
    return landed === '..' || landed.startsWith('../') ? [diag('strict-symlink-escapes', l.at, `${recipe.name}: symlink ${l.path} -> ${l.target} points above the image root`)] : [];
  });
}
