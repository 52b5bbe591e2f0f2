/**
 * Regenerate a tcz directory's mirror-wide indexes (plain and `.gz`) and every NAME.tcz.tree
 * from the extensions and companion files it holds, merged over an upstream mirror's indexes
 * when given. Called by the publish step inside its temp dir and by `tczbuild index`. Writes
 * each file through a temp name + rename so a concurrent reader never sees half an index.
 * The formats live in indexes.ts; this module only reads, gzips and writes.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mapLimit } from '../util/map-limit.js';
import { fail } from '../diagnostics/errors.js';
import { gunzipCapped, InflateTooLarge } from '../util/inflate.js';
import { indexFileNames, parseIndexes, type IndexFileName, type IndexTables } from './index-parse.js';
import { mergeTables, parseDepText, renderIndexes, renderTree, tagsFromInfo, type ExtensionRecord } from './indexes.js';
import { listExtensions, md5File, readOptionalSync } from './scan.js';

export interface WriteIndexesOptions {
  /** A directory holding an upstream mirror's index files (plain or `.gz`), or one such file. */
  readonly upstreamIndexDir?: string;
  /** Individual upstream index files (e.g. `md5.db.gz dep.db.gz`), merged with the directory's. */
  readonly upstreamIndexFiles?: readonly string[];
}

export async function writeMirrorIndexes(tczDir: string, opts: WriteIndexesOptions = {}): Promise<void> {
  // one directory read says which companions exist; each is a few hundred bytes, read
  // synchronously (thousands of them: a thread-pool round trip each cost more than the reads)
  const present = new Set(await readdir(tczDir));
  const records: ExtensionRecord[] = [];
  for (const name of await listExtensions(tczDir)) records.push(await readRecord(tczDir, name, present));
  const sources = [...(opts.upstreamIndexDir ? [opts.upstreamIndexDir] : []), ...(opts.upstreamIndexFiles ?? [])];
  const upstream = sources.length > 0 ? await readUpstreamIndexes(sources) : undefined;
  const tables = mergeTables(records, upstream);
  const texts = renderIndexes(tables);
  for (const file of indexFileNames) {
    const bytes = Buffer.from(texts[file], 'utf8');
    await writeAtomic(join(tczDir, file), bytes);
    await writeAtomic(join(tczDir, `${file}.gz`), gzipFixed(bytes));
  }
  await writeTrees(tczDir, records, tables);
}

async function readRecord(dir: string, name: string, present: ReadonlySet<string>): Promise<ExtensionRecord> {
  const path = join(dir, name);
  const companion = (suffix: string): string | undefined => (present.has(`${name}${suffix}`) ? readOptionalSync(`${path}${suffix}`) : undefined);
  const md5Text = companion('.md5.txt');
  const md5Line = md5Text?.split('\n')[0]?.trim() || `${await md5File(path)}  ${name}`;
  const list = companion('.list');
  return {
    name,
    md5Line,
    sizeBytes: statSync(path).size,
    deps: parseDepText(companion('.dep') ?? ''),
    tags: tagsFromInfo(companion('.info') ?? ''),
    list: (list ?? '').split('\n').filter((l) => l.trim() !== ''),
  };
}

/** Trees written at once: each is four thread-pool round trips (open, write, close, rename); one by one, 200 new trees took 0.2 s of a build's serial tail. */
const treeWrites = 8;

async function writeTrees(dir: string, records: readonly ExtensionRecord[], tables: IndexTables): Promise<void> {
  const ours = new Set(records.map((r) => r.name));
  const changed: Array<{ path: string; text: string }> = [];
  for (const r of records) {
    const path = join(dir, `${r.name}.tree`);
    const text = renderTree(r.name, (n) => tables.deps.get(n));
    // a tree that already says this is left alone: publishing one extension into a mirror of
    // thousands rewrote every tree
    if (readOptionalSync(path) !== text) changed.push({ path, text });
  }
  await mapLimit(changed, treeWrites, (t) => writeAtomic(t.path, Buffer.from(t.text, 'utf8')));
  // A tree whose extension is gone would advertise a dependency graph nobody can install.
  for (const f of await readdir(dir)) {
    if (f.endsWith('.tcz.tree') && !ours.has(f.slice(0, -'.tree'.length))) await rm(join(dir, f), { force: true });
  }
}

/** Far above any real index (TinyCore's md5.db is under a MiB), yet small enough to read whole. */
export const maxIndexTextBytes = 64 * 1024 * 1024;

async function readIndexGz(path: string): Promise<string> {
  if ((await stat(path)).size > maxIndexTextBytes) fail('upstream-index-too-large', { file: path }, `${path} is larger than ${maxIndexTextBytes} bytes`);
  try {
    return gunzipCapped(await readFile(path), maxIndexTextBytes).toString('utf8');
  } catch (error) {
    if (error instanceof InflateTooLarge) return fail('upstream-index-too-large', { file: path }, `${path}: ${error.message}`, undefined, error);
    throw error;
  }
}

async function readIndexPlain(path: string): Promise<string> {
  if ((await stat(path)).size > maxIndexTextBytes) fail('upstream-index-too-large', { file: path }, `${path} is larger than ${maxIndexTextBytes} bytes`);
  return readFile(path, 'utf8');
}

/** Read whichever index files an upstream dump holds; `.gz` is preferred as it is what mirrors serve. */
export async function readUpstreamIndexes(paths: readonly string[]): Promise<IndexTables> {
  const texts: Partial<Record<IndexFileName, string>> = {};
  const candidates: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch((error: NodeJS.ErrnoException) =>
      fail('upstream-index-unavailable', { file: p }, `cannot read the upstream index ${p} (${error.code ?? String(error)})`, 'pass an existing directory or index file (md5.db.gz, dep.db.gz, info.lst, …) to --upstream-index', error),
    );
    if (st.isDirectory()) candidates.push(...(await readdir(p)).map((f) => join(p, f)));
    else candidates.push(p);
  }
  for (const file of indexFileNames) {
    const gz = candidates.find((c) => basename(c) === `${file}.gz`);
    const plain = candidates.find((c) => basename(c) === file);
    if (gz) texts[file] = await readIndexGz(gz);
    else if (plain) texts[file] = await readIndexPlain(plain);
  }
  return parseIndexes(texts);
}

/**
 * gzip with a fixed header (mtime 0, no file name, OS byte "Unix") so the same index text
 * always gives the same bytes and the same md5.
 */
export function gzipFixed(bytes: Buffer): Buffer {
  const gz = gzipSync(bytes, { level: 9 });
  gz.writeUInt32LE(0, 4);
  gz[9] = 3;
  return gz;
}

async function writeAtomic(path: string, bytes: Buffer): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, bytes, { mode: 0o644 });
  await rename(tmp, path);
}
