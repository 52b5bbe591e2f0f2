/**
 * Materialize one recipe's image tree: unpack archives, place single files, copy overlays,
 * write generated files (init scripts, hooks, image tarballs), create declared directories and
 * symlinks, then apply `files:` overrides and refuse runtime-written paths. Bytes go to the
 * stage directory; metadata goes only to the FileTable.
 */
import { linkSync, lstatSync, mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { diag, type Diagnostic, type Position } from '../diagnostics/diagnostic.js';
import { fail, TczError } from '../diagnostics/errors.js';
import type { Recipe } from '../recipe/model.js';
import { isUnder, matchGlob } from '../recipe/paths.js';
import { claimPath } from './claim.js';
import { climbsOut } from './extract-plan.js';
import { extractArchive } from './extract.js';
import { FileTable, type TableEntry } from './file-table.js';
import { defaultExtensionLimit, defaultSourceLimit, newBudget, type UnpackBudget } from './unpack-budget.js';
import { imageDirDefaults } from '../tinycore/base-system.js';
import type { FetchedSource, GeneratedFile } from './types.js';
import type { Env } from '../util/exec.js';

export interface StageInput {
  readonly recipe: Recipe;
  readonly sources: readonly FetchedSource[];
  readonly overlaysDir: string;
  readonly generated: readonly GeneratedFile[];
  readonly stageDir: string;
  /** The run's environment: xz, bzip2 and zstd unpack sources from its PATH. */
  readonly env: Env;
}

/** The staged image: its metadata, and how many bytes of file data were written for it. */
export interface StagedTree {
  readonly table: FileTable;
  /** Bytes of regular-file data in the tree (what mksquashfs will compress). */
  readonly bytes: number;
}

export async function stageRecipe(input: StageInput): Promise<StagedTree> {
  try {
    return await stageTree(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
    return fail('stage-no-space', input.recipe.positionOf([]), `${input.recipe.name}: no space left on the device while staging into ${input.stageDir} (${code})`, 'free space on the filesystem that holds out/ (the image is staged beside it), then build again', error);
  }
}

async function stageTree(input: StageInput): Promise<StagedTree> {
  const { recipe, stageDir } = input;
  const table = new FileTable();
  const made = new MadeDirs(stageDir);
  const place = new Placer();
  let bytes = 0; // archives count theirs in the `whole` budget
  mkdirSync(stageDir, { recursive: true });
  const whole = newBudget(recipe.maxUnpackedBytes ?? defaultExtensionLimit, `${recipe.name}.tcz`, 'max-unpacked-size', () => recipe.positionOf(['max-unpacked-size']));
  // The first archive unpacks straight into the stage; the others unpack at once, each into a
  // directory and a table of its own, and are merged below in recipe order, so the image and the
  // claims (which source's directory metadata stays, which duplicate is refused) are what one
  // archive after the other gives. containerd's release and the CNI plugins unpack side by side.
  const archives = input.sources.filter((s) => s.spec.kind === 'archive');
  const aside = new Map(archives.slice(1).map((src, i) => [src, unpackAside(src, `${stageDir}.src-${i + 1}`, whole, input.env)]));
  for (const pending of aside.values()) pending.catch(() => undefined); // awaited in recipe order below
  try {
    for (const src of input.sources) {
      const pending = aside.get(src);
      if (pending) await mergeAside(table, stageDir, await pending, made);
      else if (src.spec.kind === 'archive') await extractArchive({ archive: src.path, spec: src.spec, stageDir, table, budgets: [sourceBudget(src), whole], env: input.env });
      else bytes += await placeFile(table, stageDir, src, made, place);
    }
  } finally {
    // nothing may still write beside the stage once this returns or throws
    await Promise.allSettled(aside.values());
  }
  for (const [i, name] of recipe.overlays.entries()) bytes += await copyOverlay(table, stageDir, join(input.overlaysDir, name), `overlay ${name}`, recipe.overlaysAt[i]);
  for (const g of input.generated) bytes += await writeGenerated(table, stageDir, g, made, place);
  for (const d of recipe.directories) {
    claimPath(table, d.path, { type: 'dir', ...imageDirDefaults(d.path), origin: 'directories' }, d.at);
    table.update(d.path, { mode: d.mode, uid: d.uid, gid: d.gid });
    made.ensure(d.path);
  }
  for (const l of recipe.symlinks) {
    if (climbsOut(l.path, l.target)) fail('bad-path', l.at, `symlink ${l.path} -> ${l.target} climbs above the image root`);
    claimPath(table, l.path, { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: l.target, origin: 'symlinks' }, l.at);
    made.ensure(dirname(l.path));
    await symlink(l.target, join(stageDir, l.path));
  }
  materializeParents(table, made);
  const problems = [...applyOverrides(recipe, table), ...runtimePathProblems(recipe, table), ...emptyProblems(recipe, table)];
  if (problems.length) throw new TczError(problems);
  return { table, bytes: bytes + whole.used };
}

/** Tables up to this many entries are removed path by path, in place (see removeStage). */
const removeInPlaceUpTo = 256;

/**
 * Remove a packed stage tree. A small one is removed path by path from its table, children
 * first, in place: a recursive rm tries rmdir on each directory before it reads it and goes
 * through the thread pool for each call, about thirty round trips for a one-file extension.
 * Anything the table does not name, or a removal that fails, leaves the rest to a recursive rm,
 * as does a large tree (whose files may take a while to free).
 */
export async function removeStage(stageDir: string, table: FileTable): Promise<void> {
  if (table.size <= removeInPlaceUpTo) {
    try {
      // byte order puts a child after its parent, so the reverse removes children first
      for (const path of table.paths().reverse()) {
        if (table.get(path)!.type === 'dir') rmdirSync(join(stageDir, path));
        else unlinkSync(join(stageDir, path));
      }
      rmdirSync(stageDir);
      return;
    } catch {
      // left to the recursive removal below
    }
  }
  await rm(stageDir, { recursive: true, force: true });
}

function sourceBudget(src: FetchedSource): UnpackBudget {
  return newBudget(src.spec.extract?.maxBytes ?? defaultSourceLimit, `source ${src.spec.id}`, 'extract.max-size', src.spec.at);
}

/** An archive unpacked beside the stage, with the claims it made there, in order. */
interface Aside {
  readonly dir: string;
  readonly claims: ReadonlyArray<{ readonly path: string; readonly entry: TableEntry }>;
  readonly at: Position;
}

async function unpackAside(src: FetchedSource, dir: string, whole: UnpackBudget, env: Env): Promise<Aside> {
  const claims: Array<{ path: string; entry: TableEntry }> = [];
  await mkdir(dir, { recursive: true });
  await extractArchive({ archive: src.path, spec: src.spec, stageDir: dir, table: new FileTable(), budgets: [sourceBudget(src), whole], env, claims });
  return { dir, claims, at: src.spec.at };
}

/**
 * Make an archive's claims on the stage's table, in the order it made them (so a path under an
 * earlier source's symlink, or one an earlier source placed, is refused as it is when the archive
 * unpacks there), and move its files in: a rename each, on the same filesystem.
 */
async function mergeAside(table: FileTable, stageDir: string, a: Aside, made: MadeDirs): Promise<void> {
  for (const { path, entry } of a.claims) {
    claimPath(table, path, entry, a.at);
    try {
      if (entry.type === 'dir') made.ensure(path);
      else {
        made.ensure(dirname(path));
        await rename(join(a.dir, path), join(stageDir, path));
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // a file of an earlier source stands where this archive has a directory
      if (code !== 'ENOTDIR' && code !== 'EEXIST') throw error;
      fail('duplicate-target', a.at, `${entry.origin}: "${path}" goes below a path an earlier source placed as a file`, 'narrow one source with extract.include/exclude, or move one of them with install.to', error);
    }
  }
  await rm(a.dir, { recursive: true, force: true });
}

/**
 * Directories of the stage tree this build has already created, so that each is made once:
 * thousands of small extensions paid a mkdir (and an EEXIST and a stat) per parent per file.
 * Each missing directory is made top-down, in place: a recursive mkdir on a new path first fails
 * on the deepest one and climbs, twice the calls, and each through the thread pool was a round
 * trip (two wake-ups) that a repository of small extensions paid tens of times per extension.
 */
class MadeDirs {
  private readonly done = new Set<string>(['', '.']);
  constructor(private readonly stageDir: string) {}

  ensure(rel: string): void {
    if (this.done.has(rel)) return;
    const missing: string[] = [];
    for (let d = rel; !this.done.has(d); d = dirname(d)) missing.push(d);
    for (const d of missing.reverse()) {
      const abs = join(this.stageDir, d);
      try {
        mkdirSync(abs);
      } catch (error) {
        // an archive that unpacked here made it (it keeps no record in this set); anything else
        // at that path (a file, a symlink) is the caller's EEXIST, as a recursive mkdir gave it
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !lstatSync(abs).isDirectory()) throw error;
      }
      this.done.add(d);
    }
  }
}

/**
 * Puts a file that tczbuild will not change again (a verified cache entry, an image tarball this
 * build wrote) into the stage as a hard link, not a copy: no bytes are copied (an image tarball
 * is hundreds of MB) and no inode is allocated (on a busy ext4 an allocation costs more than the
 * few bytes of a small extension's file). The image is the same: mksquashfs reads the file's
 * bytes, takes its mode, owner and time from the pseudo definitions and -all-time, and counts a
 * file's links among the paths of the tree it packs. A second path for the same file is a copy, so two
 * paths never become one hard-linked file in the image. Where a link cannot be made (another
 * filesystem, a link limit) the file is copied. The link is made in place, as the directories
 * are: a metadata change, not worth a thread-pool round trip.
 */
class Placer {
  private readonly linked = new Set<string>();

  async place(from: string, to: string): Promise<void> {
    if (!this.linked.has(from)) {
      this.linked.add(from);
      try {
        linkSync(from, to);
        return;
      } catch {
        // another filesystem, a link limit: copied below
      }
    }
    await copyFile(from, to);
  }
}

/** Returns the bytes placed. */
async function placeFile(table: FileTable, stageDir: string, src: FetchedSource, made: MadeDirs, place: Placer): Promise<number> {
  const to = src.spec.install!.to;
  const mode = src.spec.install!.mode ?? defaultInstallMode(to);
  claimPath(table, to, { type: 'file', mode, uid: 0, gid: 0, origin: src.spec.id }, src.spec.at);
  made.ensure(dirname(to));
  await place.place(src.path, join(stageDir, to));
  return src.size;
}

/** A single downloaded file is a program when it lands in a bin directory, data otherwise. */
export function defaultInstallMode(path: string): number {
  return /(^|\/)s?bin\/[^/]+$/.test(path) ? 0o755 : 0o644;
}

/** Returns the bytes copied. */
async function copyOverlay(table: FileTable, stageDir: string, root: string, origin: string, at: Recipe['overlaysAt'][number] | undefined): Promise<number> {
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) fail('overlay-missing', at, `${origin}: ${root} is not a directory`, `create ${root}/ with the files to ship, or remove it from overlays:`);
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const abs = join(dir, name);
      const rel = relative(root, abs).split('\\').join('/');
      const st = await lstat(abs);
      if (st.isDirectory()) {
        claimPath(table, rel, { type: 'dir', mode: 0o755, uid: 0, gid: 0, origin }, at);
        await mkdir(join(stageDir, rel), { recursive: true });
        await walk(abs);
      } else if (st.isSymbolicLink()) {
        const target = await readlink(abs);
        if (climbsOut(rel, target)) fail('bad-path', at, `${origin}: symlink ${rel} -> ${target} climbs above the image root`);
        claimPath(table, rel, { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target, origin }, at);
        await symlink(target, join(stageDir, rel));
      } else if (st.isFile()) {
        claimPath(table, rel, { type: 'file', mode: st.mode & 0o111 ? 0o755 : 0o644, uid: 0, gid: 0, origin }, at);
        await copyFile(abs, join(stageDir, rel));
        bytes += st.size;
      } else {
        fail('archive-unsupported-entry', at, `${origin}: ${rel} is neither a file, a directory nor a symlink`);
      }
    }
  };
  await walk(root);
  return bytes;
}

/** Returns the bytes written. */
async function writeGenerated(table: FileTable, stageDir: string, g: GeneratedFile, made: MadeDirs, place: Placer): Promise<number> {
  claimPath(table, g.path, { type: 'file', mode: g.mode, uid: g.uid ?? 0, gid: g.gid ?? 0, origin: 'generated' }, undefined);
  const dest = join(stageDir, g.path);
  made.ensure(dirname(g.path));
  if (typeof g.content === 'string' || Buffer.isBuffer(g.content)) {
    await writeFile(dest, g.content);
    return Buffer.byteLength(g.content);
  }
  await place.place(g.content.fromFile, dest);
  return (await lstat(dest)).size;
}

/** Directories the table implies (parents) must exist on disk for mksquashfs to pick them up. */
function materializeParents(table: FileTable, made: MadeDirs): void {
  for (const [path, e] of table) if (e.type === 'dir') made.ensure(path);
}

function applyOverrides(recipe: Recipe, table: FileTable): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const o of recipe.files) {
    const hits = table.paths().filter((p) => matchGlob(o.pattern, p));
    if (hits.length === 0) {
      problems.push(diag('file-override-unmatched', o.at, `files: "${o.pattern}" matches nothing in ${recipe.name}.tcz`, 'check the path against the .list the build prints, or remove the entry'));
      continue;
    }
    for (const p of hits) {
      if (table.get(p)!.type === 'symlink') continue; // a link's own mode and owner mean nothing on TinyCore
      table.update(p, { mode: o.mode, uid: o.uid, gid: o.gid });
    }
  }
  return problems;
}

/** An extension with nothing but directories is almost always a mistake, unless the recipe says so. */
function emptyProblems(recipe: Recipe, table: FileTable): Diagnostic[] {
  if (recipe.allowEmpty || table.paths().some((p) => table.get(p)!.type !== 'dir')) return [];
  return [
    diag(
      'extension-empty',
      recipe.positionOf([]),
      `${recipe.name}.tcz would contain no files: none of its sources, overlays or generated files put one in the image`,
      'check the sources (arch:, extract.include) and overlays; for a meta-extension that only pulls in its depends, set `allow-empty: true`',
    ),
  ];
}

function runtimePathProblems(recipe: Recipe, table: FileTable): Diagnostic[] {
  const problems: Diagnostic[] = [];
  recipe.runtimePaths.forEach((rp, i) => {
    const shipped = table.paths().filter((p) => isUnder(p, rp) && table.get(p)!.type !== 'dir');
    if (shipped.length) {
      problems.push(
        diag('runtime-written-path', recipe.runtimePathsAt[i], `${recipe.name}.tcz would ship ${shipped.slice(0, 3).join(', ')}${shipped.length > 3 ? ' …' : ''} under runtime-written path /${rp}; TinyCore links it read-only and the write fails with EROFS`),
      );
    }
  });
  return problems;
}
