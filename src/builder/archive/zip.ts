/**
 * The entries of a zip archive, read with yauzl (central directory first, each entry's data
 * streamed and checked against its declared size), turned into the same ArchiveEntry shape tar
 * entries take so extract.ts applies one set of safety rules to both. Unix modes and symlinks
 * come from the entry's external attributes; names stay bytes until names.ts accepts them.
 */
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { EntryKind } from '../extract-plan.js';

export interface ZipItem {
  readonly nameBytes: Buffer;
  readonly kind: EntryKind;
  readonly rawType: string;
  readonly mode: number;
  readonly size: number;
  /** The entry's bytes (for a symlink: its target). */
  open(): Promise<Readable>;
}

const S_IFMT = 0o170000;
const typeNames: Readonly<Record<number, [EntryKind, string]>> = {
  0o100000: ['file', 'file'],
  0o040000: ['directory', 'directory'],
  0o120000: ['symlink', 'symlink'],
  0o020000: ['other', 'character-device'],
  0o060000: ['other', 'block-device'],
  0o010000: ['other', 'fifo'],
  0o140000: ['other', 'socket'],
};

function describe(entry: Entry, name: Buffer): { kind: EntryKind; rawType: string; mode: number } {
  const unix = entry.versionMadeBy >> 8 === 3 ? entry.externalFileAttributes >>> 16 : 0;
  const isDirName = name.length > 0 && name[name.length - 1] === 0x2f;
  const [kind, rawType] = typeNames[unix & S_IFMT] ?? (isDirName ? ['directory', 'directory'] : ['file', 'file']);
  // Without Unix attributes (zips made on Windows) a file is data: 0644.
  const mode = unix & 0o7777 || (kind === 'directory' ? 0o755 : 0o644);
  return { kind: isDirName && kind === 'file' ? 'directory' : kind, rawType, mode };
}

export async function* zipEntries(path: string): AsyncGenerator<ZipItem> {
  const zip = await new Promise<ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (error, z) => (error ? reject(error) : resolve(z))),
  );
  // One listener each for the whole walk: an error between two reads must not go unhandled.
  let next: { resolve: (e: Entry | undefined) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  zip.on('entry', (e: Entry) => next?.resolve(e));
  zip.on('end', () => next?.resolve(undefined));
  zip.on('error', (error: Error) => ((failure ??= error), next?.reject(error)));
  try {
    for (;;) {
      if (failure) throw failure;
      const entry = await new Promise<Entry | undefined>((resolve, reject) => {
        next = { resolve, reject };
        zip.readEntry();
      });
      if (entry === undefined) return;
      const name = entry.fileName as unknown as Buffer;
      const open = (): Promise<Readable> => new Promise((resolve, reject) => zip.openReadStream(entry, (error, s) => (error ? reject(error) : resolve(s))));
      yield { nameBytes: name, ...describe(entry, name), size: entry.uncompressedSize, open };
    }
  } finally {
    zip.close();
  }
}
