/**
 * Decide where one archive entry lands in the image, or why it must not: strip leading
 * components, apply include/exclude, and refuse anything that would escape the staging tree
 * (`..`, absolute names, links that climb out) or that an extension must not carry (devices,
 * fifos). Pure: extract.ts does the reading and writing.
 */
import type { ArchiveExtract } from '../recipe/model.js';
import { checkImagePath, isUnder, joinImagePath, matchGlob, parentDirs } from '../recipe/paths.js';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface ArchiveEntry {
  readonly name: string;
  readonly kind: EntryKind;
  readonly rawType: string;
  readonly mode: number;
  readonly linkname?: string;
}

export type Placement =
  | { readonly action: 'skip' }
  | { readonly action: 'place'; readonly path: string; readonly kind: 'file' | 'directory' | 'symlink' | 'link'; readonly mode: number; readonly linkTarget?: string }
  | { readonly action: 'refuse'; readonly id: 'archive-unsafe-entry' | 'archive-unsupported-entry'; readonly reason: string };

/** Path of the entry after strip, relative to the archive root; undefined when stripped away. */
export function strippedName(name: string, strip: number): { ok: true; rel: string | undefined } | { ok: false; reason: string } {
  if (name.startsWith('/')) return { ok: false, reason: `"${name}" is an absolute path` };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: `"${name}" contains ".."` };
  if (parts.length <= strip) return { ok: true, rel: undefined };
  return { ok: true, rel: parts.slice(strip).join('/') };
}

/** An include/exclude pattern takes an entry when it names the entry or a directory above it. */
export function patternTakes(pattern: string, rel: string): boolean {
  return matchGlob(pattern, rel) || parentDirs(rel).some((d) => matchGlob(pattern, d));
}

/**
 * The include and exclude patterns of `e` that take no entry of the archive (names as the
 * archive holds them, before strip): a typo there silently ships less, or excludes nothing.
 */
export function unmatchedPatterns(names: readonly string[], e: ArchiveExtract): { include: string[]; exclude: string[] } {
  const rels = names.flatMap((n) => {
    const s = strippedName(n, e.strip);
    return s.ok && s.rel !== undefined ? [s.rel] : [];
  });
  const none = (p: string): boolean => !rels.some((rel) => patternTakes(p, rel));
  return { include: (e.include ?? []).filter(none), exclude: (e.exclude ?? []).filter(none) };
}

function selected(rel: string, e: ArchiveExtract): boolean {
  const hits = (patterns: readonly string[]): boolean => patterns.some((p) => patternTakes(p, rel));
  if (e.include && !hits(e.include)) return false;
  if (e.exclude && hits(e.exclude)) return false;
  return true;
}

/** A directory entry is kept if include would keep anything below it (or it itself). */
function dirSelected(rel: string, e: ArchiveExtract): boolean {
  if (!e.include) return selected(rel, e);
  return selected(rel, e) || e.include.some((p) => p.startsWith(`${rel}/`) || isUnder(p, rel));
}

export function placeEntry(entry: ArchiveEntry, e: ArchiveExtract): Placement {
  if (entry.kind === 'other') {
    return { action: 'refuse', id: 'archive-unsupported-entry', reason: `"${entry.name}" is a ${entry.rawType}; extensions carry only files, directories and links` };
  }
  const s = strippedName(entry.name, e.strip);
  if (!s.ok) return { action: 'refuse', id: 'archive-unsafe-entry', reason: s.reason };
  if (s.rel === undefined) return { action: 'skip' };
  const keep = entry.kind === 'directory' ? dirSelected(s.rel, e) : selected(s.rel, e);
  if (!keep) return { action: 'skip' };
  const checked = checkImagePath(joinImagePath(e.into, s.rel));
  if (!checked.ok) return { action: 'refuse', id: 'archive-unsafe-entry', reason: checked.reason };
  const path = checked.path;
  const mode = normalizeMode(entry);
  if (entry.kind === 'symlink') {
    const target = entry.linkname ?? '';
    if (target === '' || climbsOut(path, target)) {
      return { action: 'refuse', id: 'archive-unsafe-entry', reason: `symlink "${entry.name}" -> "${target}" points outside the image` };
    }
    return { action: 'place', path, kind: 'symlink', mode: 0o777, linkTarget: target };
  }
  if (entry.kind === 'link') {
    const t = strippedName(entry.linkname ?? '', e.strip);
    if (!t.ok || t.rel === undefined) {
      return { action: 'refuse', id: 'archive-unsafe-entry', reason: `hard link "${entry.name}" -> "${entry.linkname ?? ''}" points outside the extracted tree` };
    }
    const target = checkImagePath(joinImagePath(e.into, t.rel));
    if (!target.ok) return { action: 'refuse', id: 'archive-unsafe-entry', reason: target.reason };
    return { action: 'place', path, kind: 'link', mode, linkTarget: target.path };
  }
  return { action: 'place', path, kind: entry.kind, mode };
}

/** Archives carry the packager's modes; an extension wants 0755 for executables and dirs, 0644 otherwise. */
function normalizeMode(entry: ArchiveEntry): number {
  if (entry.kind === 'directory') return 0o755;
  return entry.mode & 0o111 ? 0o755 : 0o644;
}

/** A relative link target that climbs above the image root would leave the extension. */
export function climbsOut(linkPath: string, target: string): boolean {
  if (target.startsWith('/')) return false; // absolute targets refer to the live system the image is linked into
  const depth = linkPath.split('/').length - 1;
  let level = depth;
  for (const part of target.split('/')) {
    if (part === '..') level--;
    else if (part !== '' && part !== '.') level++;
    if (level < 0) return true;
  }
  return false;
}
