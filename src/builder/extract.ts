/**
 * Unpack a verified archive into the staging tree, entry by entry, through extract-plan's
 * decisions, recording every placed path in the FileTable. The format comes from the bytes
 * (tar, tar.gz/xz/bz2/zst, zip, a .deb's data.tar; others are named and refused). Never follows a link while
 * writing, never writes outside the stage, never trusts the archive's owners, refuses names that
 * are not UTF-8, and stops at the unpack budget of the source and of the extension.
 */
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header as Headers } from 'tar-stream';
import type { Position } from '../diagnostics/diagnostic.js';
import { fail, isTczError } from '../diagnostics/errors.js';
import type { SourceSpec } from '../recipe/model.js';
import { readFileHead } from '../util/file-head.js';
import { CHUNK, decompress, type ByteRange } from './archive/decompress.js';
import { DebFormatError, debDataTar } from './archive/deb.js';
import { detectFormat, formatName, sniffLength, type ArchiveFormat } from './archive/format.js';
import { decodeNameBytes, decodeTarName, showBytes, type DecodedName } from './archive/names.js';
import { zipEntries } from './archive/zip.js';
import { claimPath } from './claim.js';
import { placeEntry, unmatchedPatterns, type ArchiveEntry, type EntryKind } from './extract-plan.js';
import type { FileTable, TableEntry } from './file-table.js';
import { chargeBudget, type UnpackBudget } from './unpack-budget.js';
import type { Env } from '../util/exec.js';
import { Interrupted, stopPoint } from '../util/interrupt.js';

/** Refuse entries larger than this: a hostile header must not fill the build machine's disk. */
export const MAX_ENTRY_BYTES = 4 * 1024 ** 3;

/** One entry as every format hands it over: names still to be accepted, bytes read on demand. */
interface RawEntry {
  readonly name: DecodedName;
  readonly kind: EntryKind;
  readonly rawType: string;
  readonly mode: number;
  readonly linkname?: DecodedName;
  readonly size: number;
  /** The entry's bytes; call at most once. */
  body(): Promise<Readable>;
  /** Let the reader move past an entry that is not written. */
  skip(): Promise<void>;
}

export interface ExtractInput {
  readonly archive: string;
  readonly spec: SourceSpec;
  readonly stageDir: string;
  readonly table: FileTable;
  /** What this source may unpack, and what is left for the whole extension. */
  readonly budgets: readonly UnpackBudget[];
  /** The run's environment: xz, bzip2 and zstd are found on its PATH. */
  readonly env: Env;
  /** Every claim made in `table`, in order, for a caller that replays them on another table. */
  readonly claims?: Array<{ readonly path: string; readonly entry: TableEntry }>;
}

export async function extractArchive(o: ExtractInput): Promise<string[]> {
  const at = o.spec.at;
  const format = detectFormat(await readFileHead(o.archive, sniffLength));
  if (format.kind === 'empty') fail('archive-empty', at, `${o.spec.id}: the archive is 0 bytes`, emptyHint);
  if (format.kind === 'unsupported') {
    fail('archive-unsupported-format', at, `${o.spec.id}: the file is a ${format.name} archive; tczbuild unpacks tar, tar.gz, tar.xz, tar.bz2, tar.zst, zip and .deb`, 'use a release asset in one of those formats, or install: the file as it is');
  }
  const place = placer(o);
  let current = '';
  const each = async (entry: RawEntry): Promise<void> => {
    stopPoint(); // a signal's cleanup is waiting to remove the stage: write nothing more
    current = entry.name.ok ? entry.name.name : entry.name.shown;
    await place(entry);
  };
  let entries = 0;
  const names: string[] = [];
  const counted = async (entry: RawEntry): Promise<void> => {
    entries++;
    if (entry.name.ok) names.push(entry.name.name);
    await each(entry);
  };
  try {
    await (format.kind === 'zip' ? readZip(o.archive, counted) : format.kind === 'deb' ? readDeb(o.archive, counted, o.env) : readTar(o.archive, format, counted, o.env));
  } catch (error) {
    throw classified(error, o, format, current);
  }
  if (entries === 0) fail('archive-empty', at, `${o.spec.id}: the ${formatName(format)} archive contains no entries`, emptyHint);
  // An include that takes nothing is a typo or a changed release layout: the image would quietly lack it.
  const missed = o.spec.extract ? unmatchedPatterns(names, o.spec.extract).include : [];
  if (missed.length) {
    fail('archive-include-unmatched', at, `${o.spec.id}: extract.include ${missed.map((p) => `"${p}"`).join(', ')} matched nothing in the ${formatName(format)} archive (${entries} entries, strip ${o.spec.extract!.strip})`);
  }
  return place.placed;
}

/** The entries of an archive (tar, compressed tar, zip or .deb data.tar), read without writing anything; names that are not UTF-8 are left out. */
export async function listArchive(archive: string, env: Env): Promise<{ format: string; entries: ArchiveEntry[] }> {
  const format = detectFormat(await readFileHead(archive, sniffLength));
  if (format.kind === 'empty' || format.kind === 'unsupported') return { format: format.kind === 'empty' ? 'empty file' : format.name, entries: [] };
  const entries: ArchiveEntry[] = [];
  const each = async (e: RawEntry): Promise<void> => {
    if (e.name.ok) entries.push({ name: e.name.name, kind: e.kind, rawType: e.rawType, mode: e.mode, ...(e.linkname?.ok ? { linkname: e.linkname.name } : {}) });
    await e.skip();
  };
  await (format.kind === 'zip' ? readZip(archive, each) : format.kind === 'deb' ? readDeb(archive, each, env) : readTar(archive, format, each, env));
  return { format: formatName(format), entries };
}

const emptyHint = 'the URL or the pinned sha256 names an empty archive: check the release asset';

/** Map a failure to what the user must know: a refusal, a full disk, a name too long, or a broken archive. */
function classified(error: unknown, o: ExtractInput, format: ArchiveFormat, current: string): Error {
  if (isTczError(error) || error instanceof Interrupted) return error; // stopped by a signal, not the archive's fault
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const at = o.spec.at;
  const what = `${o.spec.id}: `;
  try {
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      fail('stage-no-space', at, `${what}no space left on the device while unpacking "${current}" into ${o.stageDir} (${code})`, 'free space on the filesystem that holds out/ (the image is staged beside it), then build again', error);
    }
    if (code === 'ENAMETOOLONG') {
      fail('archive-name-too-long', at, `${what}"${current}" is a longer name than the build machine's filesystem allows (ENAMETOOLONG)`, 'leave the entry out with extract.exclude, or ask upstream for shorter names', error);
    }
    const message = (error as Error | undefined)?.message ?? String(error);
    fail('archive-corrupt', at, `${what}cannot read the ${formatName(format)} archive: ${message}`, `the file matched its sha256, so the recipe pins a file that is not a valid ${formatName(format)}; check extract: or the URL`, error);
  } catch (diagnosed) {
    return diagnosed as Error;
  }
}

/** Write entries as extract-plan decides, within the budgets; `placed` lists the image paths written. */
function placer(o: ExtractInput): ((entry: RawEntry) => Promise<void>) & { placed: string[] } {
  const extract = o.spec.extract ?? { strip: 0, into: '' };
  const at: Position = o.spec.at;
  const placed: string[] = [];
  const sizes = new Map<string, number>();
  const accepted = (n: DecodedName, what: string): string => {
    if (n.ok) return n.name;
    return fail('archive-bad-name', at, `${o.spec.id}: ${what} "${n.shown}" is not valid UTF-8 (bytes shown as \\xNN)`, 'tczbuild keeps names byte for byte and writes UTF-8; leave the entry out with extract.exclude, or repack the archive with UTF-8 names');
  };
  const place = async (raw: RawEntry): Promise<void> => {
    const name = accepted(raw.name, 'the entry name');
    const linkname = raw.linkname === undefined ? undefined : accepted(raw.linkname, `the link target of "${name}",`);
    const p = placeEntry({ name, kind: raw.kind, rawType: raw.rawType, mode: raw.mode, linkname }, extract);
    if (p.action === 'refuse') fail(p.id, at, `${o.spec.id}: ${p.reason}`, 'the archive is not safe to unpack; check the source or its include: patterns');
    if (p.action === 'skip') return raw.skip();
    if (raw.size > MAX_ENTRY_BYTES) fail('archive-unsupported-entry', at, `${o.spec.id}: "${name}" declares ${raw.size} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`);
    const dest = join(o.stageDir, p.path);
    const claim = (entry: TableEntry): void => {
      claimPath(o.table, p.path, entry, at);
      o.claims?.push({ path: p.path, entry });
    };
    if (p.kind === 'directory') {
      claim({ type: 'dir', mode: p.mode, uid: 0, gid: 0, origin: o.spec.id });
      await mkdir(dest, { recursive: true });
      return raw.skip();
    }
    claim(p.kind === 'symlink' ? { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: p.linkTarget, origin: o.spec.id } : { type: 'file', mode: p.mode, uid: 0, gid: 0, origin: o.spec.id });
    const size = p.kind === 'link' ? (sizes.get(p.linkTarget!) ?? 0) : p.kind === 'file' ? raw.size : 0;
    for (const budget of o.budgets) chargeBudget(budget, size, name);
    await mkdir(dirname(dest), { recursive: true });
    await rm(dest, { force: true });
    if (p.kind === 'symlink') {
      await symlink(p.linkTarget!, dest);
      await raw.skip();
    } else if (p.kind === 'link') {
      const linked = o.table.get(p.linkTarget!);
      if (linked?.type !== 'file') fail('archive-unsafe-entry', at, `${o.spec.id}: hard link "${name}" -> "${linkname}" does not name a file unpacked earlier from this archive`);
      // Hard links become independent copies: squashfs dedups identical content anyway.
      await copyFile(join(o.stageDir, p.linkTarget!), dest);
      await raw.skip();
    } else {
      await pipeline(await raw.body(), createWriteStream(dest, { flags: 'wx', highWaterMark: CHUNK }));
      sizes.set(p.path, size);
    }
    placed.push(p.path);
  };
  return Object.assign(place, { placed });
}

/**
 * A Debian package: its data.tar member goes through the tar reader as any tar source does;
 * `extract:` (strip, include, into) applies to the paths inside data.tar.
 */
async function readDeb(path: string, each: (e: RawEntry) => Promise<void>, env: Env): Promise<void> {
  let data: Awaited<ReturnType<typeof debDataTar>>;
  try {
    data = await debDataTar(path);
  } catch (error) {
    if (error instanceof DebFormatError) throw new Error(`not a readable Debian package: ${error.message}`, { cause: error });
    throw error;
  }
  await readTar(path, { kind: 'tar', ...(data.compression ? { compression: data.compression } : {}) }, each, env, data.range);
}

/** A tar, plain or compressed, streamed through tar-stream; names read as bytes (latin1) to check them. */
async function readTar(path: string, format: ArchiveFormat & { kind: 'tar' }, each: (e: RawEntry) => Promise<void>, env: Env, range?: ByteRange): Promise<void> {
  // tar-stream reads this option; its type definitions do not list it.
  const x = tarExtract({ filenameEncoding: 'latin1' } as Parameters<typeof tarExtract>[0]);
  x.on('entry', (header: Headers, stream, next) => {
    const pax = header.pax as Record<string, string> | undefined;
    // A refused entry is never read; when x is destroyed mid-entry, tar-stream destroys the
    // entry stream with an error, and without a listener that error crashes the process.
    // The failure itself reaches us through the pipeline.
    stream.on('error', () => undefined);
    const drain = async (): Promise<void> => {
      for await (const _ of stream) void _;
    };
    const entry: RawEntry = {
      name: decodeTarName(header.name, pax?.path !== undefined),
      kind: kindOf(header.type),
      rawType: header.type ?? 'unknown',
      mode: header.mode ?? 0o644,
      ...(header.linkname ? { linkname: decodeTarName(header.linkname, pax?.linkpath !== undefined) } : {}),
      size: header.size ?? 0,
      body: () => Promise.resolve(stream as unknown as Readable),
      skip: drain,
    };
    each(entry)
      .then(() => next())
      .catch((error: unknown) => x.destroy(error as Error));
  });
  const d = decompress(path, format.compression, env, range);
  const reading = d.inflate ? pipeline(d.input, d.inflate, x) : pipeline(d.input, x);
  const [read, tool] = await Promise.allSettled([reading.finally(() => d.stop()), d.finished]);
  // A refusal or a disk error comes first; else the decompressor's own words beat tar's "unexpected end".
  if (read.status === 'rejected' && (isTczError(read.reason) || isErrno(read.reason))) throw read.reason;
  if (tool.status === 'rejected') throw tool.reason;
  if (read.status === 'rejected') throw read.reason;
}

/** A system call's failure (ENOSPC, ENAMETOOLONG…), as opposed to a parse error. */
function isErrno(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

async function readZip(path: string, each: (e: RawEntry) => Promise<void>): Promise<void> {
  for await (const z of zipEntries(path)) {
    let linkname: DecodedName | undefined;
    if (z.kind === 'symlink') {
      // A zip symlink's data is its target; a target longer than a path cannot be one.
      if (z.size > 4096) linkname = { ok: false, shown: `(${z.size} bytes)` };
      else linkname = decodeNameBytes(await collect(await z.open()));
    }
    await each({
      name: decodeNameBytes(z.nameBytes),
      kind: z.kind,
      rawType: z.rawType,
      mode: z.mode,
      ...(linkname ? { linkname } : {}),
      size: z.kind === 'file' ? z.size : 0,
      body: () => z.open(),
      skip: () => Promise.resolve(),
    });
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

function kindOf(type: Headers['type']): EntryKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'link';
    default:
      return 'other';
  }
}

export { showBytes };
