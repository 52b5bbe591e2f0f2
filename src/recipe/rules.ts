/**
 * Semantic rules over normalized recipes, each a small named claim that reports diagnostics.
 * All rules run; the caller fails once with everything found. Pure.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Recipe } from './model.js';
import { isUnder } from './paths.js';

export type RecipeRule = (recipe: Recipe) => Diagnostic[];

/** The file is named after the extension it builds: recipes/NAME.yaml → NAME.tcz. */
export const nameMatchesFile: RecipeRule = (r) => {
  const base = (r.file.split('/').pop() ?? '').replace(/\.ya?ml$/, '');
  return base === r.name ? [] : [diag('name-mismatch', r.positionOf(['name']), `name "${r.name}" does not match the file name ${base}.yaml`, `rename the file to ${r.name}.yaml or set name: ${base}`)];
};

/** Two single-file installs or declared links at one path would silently shadow each other. */
export const uniqueDeclaredTargets: RecipeRule = (r) => {
  const seen = new Map<string, string>();
  const out: Diagnostic[] = [];
  const claim = (path: string, what: string, at: Recipe['sources'][number]['at']): void => {
    const prev = seen.get(path);
    if (prev) out.push(diag('duplicate-target', at, `${what} places /${path}, which ${prev} already places`));
    else seen.set(path, what);
  };
  for (const s of r.sources) if (s.install) claim(s.install.to, `source "${s.id}"`, s.at);
  for (const l of r.symlinks) claim(l.path, `symlink ${l.path}`, l.at);
  return out;
};

/** A runtime-written path declared as shipped by the recipe itself is caught before any download. */
export const noDeclaredRuntimePaths: RecipeRule = (r) => {
  const out: Diagnostic[] = [];
  const declared: Array<[string, Recipe['sources'][number]['at']]> = [
    ...r.sources.flatMap((s) => (s.install ? [[s.install.to, s.at] as [string, typeof s.at]] : [])),
    ...r.symlinks.map((l) => [l.path, l.at] as [string, typeof l.at]),
  ];
  for (const [path, at] of declared) {
    const rp = r.runtimePaths.find((p) => isUnder(path, p));
    if (rp) out.push(diag('runtime-written-path', at, `/${path} is under runtime-written path /${rp}: TinyCore would link it read-only and the software's write fails with EROFS`));
  }
  return out;
};

/** Unpinned sources are listed by lint (warning) and refused by builds (error). */
export function unpinnedSources(r: Recipe, severity: 'warning' | 'error'): Diagnostic[] {
  return r.sources
    .filter((s) => s.sha256 === null)
    .map((s) =>
      severity === 'warning'
        ? diag('source-unpinned', s.hashAt, `${r.name}: source "${s.id}" (${s.url}) is unpinned`)
        : diag('source-hash-missing', s.hashAt, `${r.name}: source "${s.id}" (${s.url}) has no pinned sha256, so tczbuild refuses to build it`),
    );
}

export const builtinRules: readonly RecipeRule[] = [nameMatchesFile, uniqueDeclaredTargets, noDeclaredRuntimePaths];
