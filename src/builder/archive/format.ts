/**
 * What an archive is, decided from its first bytes (never from its name): a tar, compressed
 * with gzip, xz, bzip2 or zstd, a zip, or a Debian package (ar holding data.tar); or a format tczbuild names but does not unpack (7z,
 * rar, lzip, lz4, lzma, compress). Pure.
 */

export type Compression = 'gzip' | 'xz' | 'bzip2' | 'zstd';

export type ArchiveFormat =
  | { readonly kind: 'tar'; readonly compression?: Compression }
  | { readonly kind: 'zip' }
  | { readonly kind: 'deb' }
  | { readonly kind: 'empty' }
  | { readonly kind: 'unsupported'; readonly name: string };

/** Bytes detectFormat() needs: the tar magic sits at offset 257. */
export const sniffLength = 262;

const magic = (bytes: Uint8Array, at: number, ...expected: number[]): boolean => expected.every((b, i) => bytes[at + i] === b);
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const unsupported: ReadonlyArray<readonly [string, (b: Uint8Array) => boolean]> = [
  ['7z', (b) => magic(b, 0, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)],
  ['rar', (b) => magic(b, 0, ...ascii('Rar!'), 0x1a, 0x07)],
  ['lzip', (b) => magic(b, 0, ...ascii('LZIP'))],
  ['lz4', (b) => magic(b, 0, 0x04, 0x22, 0x4d, 0x18)],
  ['compress (.Z)', (b) => magic(b, 0, 0x1f, 0x9d)],
  ['lzma (legacy .lzma)', (b) => magic(b, 0, 0x5d, 0x00, 0x00)],
  ['cpio', (b) => magic(b, 0, ...ascii('07070')) || magic(b, 0, 0xc7, 0x71)],
  ['ar (not a Debian package)', (b) => magic(b, 0, ...ascii('!<arch>\n'))],
  ['squashfs', (b) => magic(b, 0, ...ascii('hsqs'))],
];

/**
 * The format of an archive from its first sniffLength bytes (fewer when the file is shorter).
 * Anything unrecognised is treated as an uncompressed tar (old v7 tars carry no magic); the tar
 * reader then says whether it is one.
 */
export function detectFormat(head: Uint8Array): ArchiveFormat {
  if (head.length === 0) return { kind: 'empty' };
  if (magic(head, 0, 0x1f, 0x8b)) return { kind: 'tar', compression: 'gzip' };
  if (magic(head, 0, 0xfd, ...ascii('7zXZ'), 0x00)) return { kind: 'tar', compression: 'xz' };
  if (magic(head, 0, ...ascii('BZh'))) return { kind: 'tar', compression: 'bzip2' };
  if (magic(head, 0, 0x28, 0xb5, 0x2f, 0xfd)) return { kind: 'tar', compression: 'zstd' };
  if (magic(head, 0, ...ascii('PK'), 0x03, 0x04) || magic(head, 0, ...ascii('PK'), 0x05, 0x06)) return { kind: 'zip' };
  if (magic(head, 257, ...ascii('ustar'))) return { kind: 'tar' };
  // deb(5): the ar archive's first member is debian-binary.
  if (magic(head, 0, ...ascii('!<arch>\ndebian-binary'))) return { kind: 'deb' };
  for (const [name, test] of unsupported) if (test(head)) return { kind: 'unsupported', name };
  return { kind: 'tar' };
}

/** How a format reads in messages: "tar.xz", "zip". */
export function formatName(f: ArchiveFormat): string {
  if (f.kind === 'tar') return f.compression ? `tar.${{ gzip: 'gz', xz: 'xz', bzip2: 'bz2', zstd: 'zst' }[f.compression]}` : 'tar';
  return f.kind === 'unsupported' ? f.name : f.kind;
}
