/**
 * Gather everything verify judges for one tcz directory: each NAME.tcz with its md5, size,
 * companions, image listing and ELF headers, recipe hints, and the set of names the mirror can
 * serve (our files plus what its merged md5.db lists). All filesystem and tool work of verify
 * happens here, so the checks stay pure.
 */
import { readdir, readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join, relative, sep } from 'node:path';
import { indexFileNames, parseMd5Db, parseRecordDb, type IndexFileName } from '../index-parse.js';
import { parseDepText } from '../indexes.js';
import { parseTczRelPath } from '../layout.js';
import { listExtensions, readOptional, readOptionalSync } from '../scan.js';
import { readTcz, type RunTool } from './image.js';
import { availableParallelism } from 'node:os';
import { mapLimit } from '../../util/map-limit.js';
import { Spawner } from '../../util/spawner.js';
import { hintsFromWritten, readRecipeHints, type RecipeHints } from './recipe-hints.js';
import type { WrittenRecipe } from '../../recipe/schema.js';
import { upstreamPublished } from '../../recipe/upstream.js';
import type { ExtensionFiles, VerifyContext } from './types.js';

export interface VerifyOptions {
  /** Arch dir to judge ELF files against; default: taken from `<major>.x/<arch>/tcz`. */
  readonly arch?: string;
  /** Upstream extensions vouched for without an index listing them (bare names, `-KERNEL` kept), added to upstreamPublished: a warning, not an error. */
  readonly allowUpstream?: readonly string[];
  /** Recipes directory: adds each recipe's runtime-paths and setuid allowances. */
  readonly recipesDir?: string;
  /** Globs of image paths that may be setuid/setgid. */
  readonly allowSetuid?: readonly string[];
  /** Paths in findings are shown relative to this directory. */
  readonly displayBase?: string;
  /** Kernel releases kernel-module extensions may target (a stand-in box's own `uname -r`); default: the release table's stock kernel. */
  readonly kernelReleases?: readonly string[];
  /** TinyCore major version, when the directory is not laid out as `<major>.x/<arch>/tcz`. */
  readonly tcVersion?: string;
  /** glibc floor instead of the release table's (a stand-in box running another glibc). */
  readonly glibc?: string;
  /** Judge only these extensions (`NAME.tcz`) with the per-extension checks: only they and their `.dep` closure in the directory are read (each.ts). */
  readonly onlyExtensions?: readonly string[];
  /** Recipes already parsed (the build gate has them), by bare name; others are read from recipesDir. */
  readonly recipes?: ReadonlyMap<string, WrittenRecipe>;
  /** The run's environment: unsquashfs and busybox are found on its PATH and run in it. */
  readonly env: NodeJS.ProcessEnv;
}

/** What verify knows of a directory besides its extensions' own files: compact, one of each however many extensions it holds. */
export type DirectoryFacts = Omit<VerifyContext, 'extensions' | 'others'>;

/** Reads one extension's files (image listing, ELF facts, companions, recipe hints); close() when done. */
export interface ExtensionReader {
  readonly jobs: number;
  read(name: string): Promise<ExtensionFiles>;
  close(): void;
}

export async function loadVerifyContext(tczDir: string, opts: VerifyOptions): Promise<VerifyContext> {
  const all = await listExtensions(tczDir);
  const reader = await extensionReader(tczDir, opts);
  let extensions: ExtensionFiles[];
  try {
    extensions = await mapLimit(all, reader.jobs, (name) => reader.read(name));
  } finally {
    reader.close();
  }
  const facts = await directoryFacts(tczDir, opts, all);
  for (const e of extensions) facts.knownDeps.set(e.name, parseDepText(e.depText ?? ''));
  return { ...facts, extensions };
}

/** The directory's indexes, the names it can serve and every dependency list its dep.db knows (ours overridden by the caller with our `.dep` files). */
export async function directoryFacts(tczDir: string, opts: VerifyOptions, all: readonly string[]): Promise<DirectoryFacts & { knownDeps: Map<string, readonly string[]> }> {
  const { arch, tcVersion } = targetOf(tczDir, opts);
  const indexTexts = await readIndexTexts(tczDir);
  const md5db = indexTexts['md5.db'] ?? (await readOptional(join(tczDir, 'md5.db')));
  const available = new Set([...all, ...(md5db ? parseMd5Db(md5db).keys() : [])]);
  const depdb = indexTexts['dep.db'];
  const knownDeps = new Map<string, readonly string[]>(depdb ? parseRecordDb(depdb) : []);
  for (const name of knownDeps.keys()) available.add(name);
  const shownDir = opts.displayBase ? relative(opts.displayBase, tczDir) || tczDir : tczDir;
  return { tczDir, shownDir, indexTexts, ...(arch ? { arch } : {}), ...(tcVersion ? { tcVersion } : {}), ...(opts.kernelReleases ? { kernelReleases: opts.kernelReleases } : {}), ...(opts.glibc ? { glibc: opts.glibc } : {}), available, knownDeps, allowUpstream: new Set([...upstreamPublished, ...(opts.allowUpstream ?? []).map((n) => n.replace(/\.tcz$/, ''))]) };
}

function targetOf(tczDir: string, opts: VerifyOptions): { arch?: string; tcVersion?: string } {
  const parsed = parseTczRelPath(tczDir.split(sep).filter((s) => s !== ''));
  const arch = opts.arch ?? parsed?.arch;
  const tcVersion = opts.tcVersion ?? parsed?.tcVersion;
  return { ...(arch ? { arch } : {}), ...(tcVersion ? { tcVersion } : {}) };
}

export async function extensionReader(tczDir: string, opts: VerifyOptions): Promise<ExtensionReader> {
  const target = targetOf(tczDir, opts);
  // Images are read side by side, a core's worth at a time (unsquashfs is CPU-bound), through
  // spawner shells instead of a fork of Node per unsquashfs: a repository of thousands of
  // small extensions is mostly process starts.
  const jobs = availableParallelism() + 1;
  const spawner = new Spawner(jobs, opts.env);
  // which companions exist, from one directory read instead of a failed open per missing one
  const present = new Set(await readdir(tczDir));
  return { jobs, read: (name) => loadExtension(tczDir, name, opts, target, present, (file, args) => spawner.runTool(file, args)), close: () => spawner.close() };
}

/** `roots` and every extension of the directory their `.dep` files pull in, transitively. */
export async function withDepClosure(tczDir: string, roots: readonly string[], present: ReadonlySet<string>): Promise<string[]> {
  return [...(await depsOfClosure(tczDir, roots, present)).keys()].sort();
}

/** The dependency lists (`.dep` files) of `roots` and of every extension of the directory they pull in, transitively. */
export async function depsOfClosure(tczDir: string, roots: readonly string[], present: ReadonlySet<string>): Promise<Map<string, readonly string[]>> {
  const deps = new Map<string, readonly string[]>();
  const queue = roots.filter((n) => present.has(n));
  while (queue.length) {
    const name = queue.shift()!;
    if (deps.has(name)) continue;
    const own = parseDepText((await readOptional(join(tczDir, `${name}.dep`))) ?? '');
    deps.set(name, own);
    for (const dep of own) if (present.has(dep)) queue.push(dep);
  }
  return deps;
}

/** The `.gz` indexes as clients fetch them; a corrupt one is left out (and reported as missing). */
async function readIndexTexts(tczDir: string): Promise<Partial<Record<IndexFileName, string>>> {
  const texts: Partial<Record<IndexFileName, string>> = {};
  for (const name of indexFileNames) {
    const gz = await readFile(join(tczDir, `${name}.gz`)).catch(() => undefined);
    if (!gz) continue;
    try {
      texts[name] = gunzipSync(gz).toString('utf8');
    } catch {
      // not gzip: the index check reports it
    }
  }
  return texts;
}

const noHints: RecipeHints = { runtimePaths: [], setuidAllowed: [], privateAllowed: [], ownerAllowed: [] };

async function loadExtension(dir: string, name: string, opts: VerifyOptions, target: { arch?: string; tcVersion?: string }, present: ReadonlySet<string>, run: RunTool): Promise<ExtensionFiles> {
  const path = join(dir, name);
  const shown = opts.displayBase ? relative(opts.displayBase, path) || path : path;
  const bare = name.replace(/\.tcz$/, '');
  const written = opts.recipes?.get(bare);
  const hints = written ? hintsFromWritten(written, target) : (opts.recipesDir ? await readRecipeHints(opts.recipesDir, bare, target) : noHints);
  // companions are a few hundred bytes: read synchronously, without a thread-pool round trip each
  const companion = (suffix: string): string | undefined => (present.has(`${name}${suffix}`) ? readOptionalSync(`${path}${suffix}`) : undefined);
  const { md5, size, image } = await readTcz(path, run);
  return {
    name,
    file: shown,
    sizeBytes: size,
    md5Actual: md5,
    md5Text: companion('.md5.txt'),
    depText: companion('.dep'),
    infoText: companion('.info'),
    listText: companion('.list'),
    image,
    runtimePaths: hints.runtimePaths,
    setuidAllowed: [...hints.setuidAllowed, ...(opts.allowSetuid ?? [])],
    privateAllowed: hints.privateAllowed,
    ownerAllowed: hints.ownerAllowed,
  };
}
