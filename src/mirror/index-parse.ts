/**
 * Read the mirror-wide index files of an upstream TinyCore mirror (md5.db, dep.db, tags.db,
 * provides.db, sizelist, info.lst) into maps keyed by extension name, so ours can be merged
 * into them. Formats are the ones TinyCore's client scripts parse (research §c). Pure: text in,
 * maps out; decompression and file reading happen in write-indexes.ts.
 */

/** Upstream entries per index; each value is what that index holds for one extension. */
export interface IndexTables {
  /** `name.tcz` → the md5sum line `<hex>  name.tcz`. */
  readonly md5: Map<string, string>;
  /** `name.tcz` → its direct dependencies. */
  readonly deps: Map<string, readonly string[]>;
  /** `name.tcz` → its tag words. */
  readonly tags: Map<string, readonly string[]>;
  /** `name.tcz` → the paths its `.list` names. */
  readonly provides: Map<string, readonly string[]>;
  /** `name.tcz` → size in bytes (kept as written). */
  readonly sizes: Map<string, string>;
  /** names listed in info.lst. */
  readonly info: Set<string>;
}

export function emptyTables(): IndexTables {
  return { md5: new Map(), deps: new Map(), tags: new Map(), provides: new Map(), sizes: new Map(), info: new Set() };
}

function lines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n');
}

/** md5.db: one md5sum line per extension; the name is the last field. */
export function parseMd5Db(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines(text)) {
    const m = /^([0-9a-fA-F]{32})\s+\*?(\S+)$/.exec(line.trim());
    if (m?.[2]) out.set(m[2], `${m[1]}  ${m[2]}`);
  }
  return out;
}

/** dep.db and provides.db: blank-line separated records, line 1 the name (awk RS=""). */
export function parseRecordDb(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const record of text.replace(/\r/g, '').split(/\n\s*\n/)) {
    const [name, ...rest] = record.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    if (name) out.set(name, rest);
  }
  return out;
}

/** tags.db: `name.tcz` then whitespace then tag words. */
export function parseTagsDb(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of lines(text)) {
    const [name, ...words] = line.trim().split(/\s+/);
    if (name) out.set(name, words);
  }
  return out;
}

/** sizelist: `name.tcz <bytes>`; tce-size needs field 2 to start with a digit. */
export function parseSizelist(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines(text)) {
    const [name, size] = line.trim().split(/\s+/);
    if (name && size && /^\d/.test(size)) out.set(name, size);
  }
  return out;
}

/** info.lst: one name per line. */
export function parseInfoLst(text: string): Set<string> {
  return new Set(lines(text).map((l) => l.trim()).filter((l) => l !== ''));
}

/** The index file names we read and write, without `.gz`. */
export const indexFileNames = ['info.lst', 'sizelist', 'md5.db', 'tags.db', 'provides.db', 'dep.db'] as const;
export type IndexFileName = (typeof indexFileNames)[number];

/** Fill the tables from the texts of whichever upstream index files were found. */
export function parseIndexes(texts: Partial<Record<IndexFileName, string>>): IndexTables {
  const t = emptyTables();
  if (texts['md5.db'] !== undefined) for (const [k, v] of parseMd5Db(texts['md5.db'])) t.md5.set(k, v);
  if (texts['dep.db'] !== undefined) for (const [k, v] of parseRecordDb(texts['dep.db'])) t.deps.set(k, v);
  if (texts['tags.db'] !== undefined) for (const [k, v] of parseTagsDb(texts['tags.db'])) t.tags.set(k, v);
  if (texts['provides.db'] !== undefined) for (const [k, v] of parseRecordDb(texts['provides.db'])) t.provides.set(k, v);
  if (texts.sizelist !== undefined) for (const [k, v] of parseSizelist(texts.sizelist)) t.sizes.set(k, v);
  if (texts['info.lst'] !== undefined) for (const k of parseInfoLst(texts['info.lst'])) t.info.add(k);
  return t;
}
