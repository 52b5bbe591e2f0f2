/**
 * Render the mirror-wide indexes (info.lst, sizelist, md5.db, tags.db, provides.db, dep.db) and
 * each extension's `.tree` from per-extension data, optionally merged over an upstream mirror's
 * indexes so TinyCore's update-everything (which wants zstd.tcz in md5.db and dep.db) still
 * works against a private mirror. Ours win over upstream for the same name. Output is sorted
 * in byte order so it is reproducible. Pure: no filesystem, no gzip.
 */
import { emptyTables, type IndexFileName, type IndexTables } from './index-parse.js';

/** What one of our extensions contributes to the indexes. */
export interface ExtensionRecord {
  /** File name with suffix: `faasd.tcz`. */
  readonly name: string;
  /** The `.md5.txt` line without its newline: `<hex>  faasd.tcz`. */
  readonly md5Line: string;
  readonly sizeBytes: number;
  /** Direct dependencies as the `.dep` names them. */
  readonly deps: readonly string[];
  /** Tag words from the `.info` Tags field. */
  readonly tags: readonly string[];
  /** Paths from the `.list`. */
  readonly list: readonly string[];
}

export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Merge our records over upstream tables. */
export function mergeTables(ours: readonly ExtensionRecord[], upstream: IndexTables = emptyTables()): IndexTables {
  const t: IndexTables = {
    md5: new Map(upstream.md5),
    deps: new Map(upstream.deps),
    tags: new Map(upstream.tags),
    provides: new Map(upstream.provides),
    sizes: new Map(upstream.sizes),
    info: new Set(upstream.info),
  };
  for (const e of ours) {
    t.md5.set(e.name, e.md5Line);
    t.deps.set(e.name, e.deps);
    t.tags.set(e.name, e.tags);
    t.provides.set(e.name, e.list);
    t.sizes.set(e.name, String(e.sizeBytes));
    t.info.add(e.name);
  }
  return t;
}

function sortedKeys<V>(m: ReadonlyMap<string, V>): string[] {
  return [...m.keys()].sort(byteOrder);
}

function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Blank-line separated records: name, then one item per line (dep.db, provides.db). */
function renderRecords(m: ReadonlyMap<string, readonly string[]>): string {
  return sortedKeys(m)
    .map((k) => joinLines([k, ...(m.get(k) ?? [])]))
    .join('\n');
}

/** Every index file's text. */
export function renderIndexes(t: IndexTables): Record<IndexFileName, string> {
  return {
    'info.lst': joinLines([...t.info].sort(byteOrder)),
    sizelist: joinLines(sortedKeys(t.sizes).map((k) => `${k} ${t.sizes.get(k) ?? '0'}`)),
    'md5.db': joinLines(sortedKeys(t.md5).map((k) => t.md5.get(k) ?? '')),
    'tags.db': joinLines(sortedKeys(t.tags).map((k) => [k, (t.tags.get(k) ?? []).join(' ')].join('\t').trimEnd())),
    'provides.db': renderRecords(t.provides),
    'dep.db': renderRecords(t.deps),
  };
}

/** How deep a `.tree` may nest before we stop: real trees are a handful of levels. */
const maxTreeDepth = 32;
/** Shared dependencies repeat in a tree; this bounds a pathological upstream graph. */
const maxTreeLines = 20_000;

/**
 * The indented dependency tree TinyCore serves as NAME.tcz.tree: the root at column 0, each
 * dependency 3 spaces deeper than its parent, in `.dep` order, repeated where shared (tce-size
 * sorts and de-duplicates it). A dependency already on the current path is a loop: it is
 * printed once and not descended into.
 */
export function renderTree(root: string, depsOf: (name: string) => readonly string[] | undefined): string {
  const out: string[] = [];
  const walk = (name: string, depth: number, path: ReadonlySet<string>): void => {
    if (out.length >= maxTreeLines) return;
    out.push(`${' '.repeat(3 * depth)}${name}`);
    if (path.has(name) || depth >= maxTreeDepth) return;
    const next = new Set(path).add(name);
    for (const dep of depsOf(name) ?? []) walk(dep, depth + 1, next);
  };
  walk(root, 0, new Set());
  return joinLines(out);
}

/** Parse `.dep` text the way tce-load does: each line with blanks removed, empty lines skipped. */
export function parseDepText(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/[\t ]+/g, ''))
    .filter((l) => l !== '');
}

/** The tag words of a `.info` file's Tags field. */
export function tagsFromInfo(text: string): string[] {
  const m = /^Tags:[ \t]*(.*)$/m.exec(text);
  return (m?.[1] ?? '').trim().split(/\s+/).filter((w) => w !== '');
}
