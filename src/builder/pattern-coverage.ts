/**
 * `lint --strict`: the patterns of a recipe that match nothing. An `extract.include` or
 * `extract.exclude` entry is judged against its archive's listing, a `files:` glob against every
 * path the build would stage (archives, installed files, overlays, generated files, declared
 * directories and symlinks, and their parents). lint never downloads: an archive is read only when
 * the download cache already holds its pinned bytes. What cannot be judged that way is returned as
 * `unchecked` with the reason, never guessed at.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Recipe } from '../recipe/model.js';
import { matchGlob, parentDirs } from '../recipe/paths.js';
import { placeEntry, unmatchedPatterns } from './extract-plan.js';
import { listArchive } from './extract.js';
import type { SourceCache } from './fetch/source-cache.js';

export interface CoverageInput {
  readonly recipe: Recipe;
  readonly overlaysDir: string;
  readonly cache: SourceCache;
  /** The run's environment: xz, bzip2 and zstd list compressed sources from its PATH. */
  readonly env: NodeJS.ProcessEnv;
  /** Image paths the recipe's generated files take, or why they cannot be known here. */
  readonly generated: readonly string[] | { readonly unknown: string };
}

export interface CoverageResult {
  readonly diagnostics: Diagnostic[];
  /** What was not judged, and why (e.g. "source app: not in the download cache"). */
  readonly unchecked: string[];
}

export async function patternCoverage(i: CoverageInput): Promise<CoverageResult> {
  const { recipe } = i;
  const diagnostics: Diagnostic[] = [];
  const unchecked: string[] = [];
  const staged = new Set<string>();
  // why the staged paths are not all known (then files: globs are not judged)
  const blind: string[] = [];
  const note = (what: string, judged: string[]): void => {
    if (judged.length) unchecked.push(`${recipe.name}: ${what}, so ${judged.join(' and ')} were not checked`);
  };
  const judged = (hasExtract: boolean): string[] => [...(hasExtract ? ['its extract patterns'] : []), ...(recipe.files.length ? ['the files: globs'] : [])];
  for (const [n, s] of recipe.sources.entries()) {
    if (s.kind !== 'archive') {
      if (s.install) staged.add(s.install.to);
      continue;
    }
    // has(), not get(): lint writes nothing, and get() would touch or drop the entry
    const cached = s.sha256 && (await i.cache.has(s.sha256)) ? i.cache.pathFor(s.sha256) : undefined;
    const hasExtract = (s.extract?.include?.length ?? 0) + (s.extract?.exclude?.length ?? 0) > 0;
    if (!cached) {
      const why = `source ${s.id} is ${s.sha256 ? 'not in the download cache (run `tczbuild fetch` first)' : 'unpinned'}`;
      blind.push(why);
      note(why, judged(hasExtract));
      continue;
    }
    const listed = await listArchive(cached, i.env).catch((error: unknown) => (error as Error).message);
    if (typeof listed === 'string') {
      const why = `source ${s.id} could not be read from the cache (${listed})`;
      blind.push(why);
      note(why, judged(hasExtract));
      continue;
    }
    const { format, entries } = listed;
    const extract = s.extract ?? { strip: 0, into: '' };
    const missed = unmatchedPatterns(entries.map((e) => e.name), extract);
    for (const key of ['include', 'exclude'] as const) {
      (extract[key] ?? []).forEach((p, j) => {
        if (!missed[key].includes(p)) return;
        diagnostics.push(
          diag('strict-pattern-unmatched', recipe.positionOf(['sources', n, 'extract', key, j]), `${recipe.name}: extract.${key} "${p}" matches nothing in source ${s.id} (a ${format} of ${entries.length} entries, strip ${extract.strip})`),
        );
      });
    }
    for (const e of entries) {
      const placed = placeEntry(e, extract);
      if (placed.action === 'place') staged.add(placed.path);
    }
  }
  for (const name of recipe.overlays) for (const p of await overlayPaths(join(i.overlaysDir, name))) staged.add(p);
  if ('unknown' in i.generated) {
    blind.push(i.generated.unknown);
    note(i.generated.unknown, judged(false));
  } else for (const p of i.generated) staged.add(p);
  for (const d of recipe.directories) staged.add(d.path);
  for (const l of recipe.symlinks) staged.add(l.path);
  if (blind.length) return { diagnostics, unchecked };
  const all = new Set(staged);
  for (const p of staged) for (const d of parentDirs(p)) all.add(d);
  const paths = [...all];
  for (const f of recipe.files) {
    if (paths.some((p) => matchGlob(f.pattern, p))) continue;
    diagnostics.push(diag('strict-pattern-unmatched', f.at, `${recipe.name}: files: "${f.pattern}" matches nothing the build would stage (${all.size} paths from its sources, overlays and generated files)`));
  }
  return { diagnostics, unchecked };
}

/** Every path below an overlay directory (a missing overlay has none: strict-overlay-missing says so). */
async function overlayPaths(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const p = rel ? `${rel}/${name}` : name;
      out.push(p);
      const st = await lstat(join(dir, name));
      if (st.isDirectory()) await walk(join(dir, name), p);
    }
  };
  await walk(root, '');
  return out;
}
