/**
 * The bytes the bad-input corpus serves: one good archive the baseline out/ is built from, and
 * hostile or broken ones (tar-slip in every form, links that point outside, device nodes, a
 * header declaring gigabytes, bytes that are not a tar). Each is generated deterministically,
 * so its sha256 is computed, never written down. Pure apart from in-memory tar/gzip.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { makeTar, makeTarGz, type TarEntry } from '../../helpers/tarball.js';

export type Artifacts = Readonly<Record<string, Buffer>>;

export const sha256Of = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

const helloEntries: TarEntry[] = [
  { name: 'hello-1.0/', type: 'directory' },
  { name: 'hello-1.0/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 },
  { name: 'hello-1.0/hello.txt', content: 'hello, world\n' },
];

/** Every served artifact by file name (the URL path under the fixture server). */
export async function buildArtifacts(): Promise<Artifacts> {
  const helloGz = await makeTarGz(helloEntries);
  const evil = (entries: TarEntry[]): Promise<Buffer> => makeTarGz([{ name: 'evil-1.0/', type: 'directory' }, { name: 'evil-1.0/ok', content: 'fine\n' }, ...entries]);
  return {
    'hello-1.0.tar.gz': helloGz,
    'hello-2.0.tar.gz': await makeTarGz([...helloEntries, { name: 'hello-1.0/NEWS', content: 'two\n' }]),
    // Carries incompressible bytes so network faults can cut it at any offset.
    'other-1.0.tar.gz': await makeTarGz([
      { name: 'other-1.0/other', content: '#!/bin/sh\necho other\n', mode: 0o755 },
      { name: 'other-1.0/other.dat', content: noise(64 * 1024) },
    ]),
    'tool-a.tar.gz': await makeTarGz([{ name: 'a/bin/tool', content: 'tool from a\n', mode: 0o755 }]),
    'tool-b.tar.gz': await makeTarGz([{ name: 'b/bin/tool', content: 'tool from b\n', mode: 0o755 }]),
    'slip-dotdot.tar.gz': await evil([{ name: 'evil-1.0/../../../etc/evil', content: 'pwned\n' }]),
    // Bigger than the stream buffers, so the refusal lands while the entry is still being read.
    'slip-dotdot-big.tar.gz': await evil([{ name: 'evil-1.0/../../../etc/evil', content: Buffer.alloc(4 * 1024 ** 2, 0x61) }]),
    'slip-absolute.tar.gz': await evil([{ name: '/etc/evil', content: 'pwned\n' }]),
    'slip-symlink-write.tar.gz': await evil([
      { name: 'evil-1.0/etc', type: 'symlink', linkname: '/etc' },
      { name: 'evil-1.0/etc/cron.d/evil', content: '* * * * * root sh\n' },
    ]),
    'slip-symlink-relative-write.tar.gz': await evil([
      { name: 'evil-1.0/sub', type: 'directory' },
      { name: 'evil-1.0/alias', type: 'symlink', linkname: 'sub' },
      { name: 'evil-1.0/alias/file', content: 'through a link\n' },
    ]),
    'slip-symlink-climb.tar.gz': await evil([{ name: 'evil-1.0/up', type: 'symlink', linkname: '../../../../../etc/shadow' }]),
    'hardlink-dotdot.tar.gz': await evil([{ name: 'evil-1.0/pw', type: 'link', linkname: '../../etc/passwd' }]),
    'hardlink-absolute.tar.gz': await evil([{ name: 'evil-1.0/pw', type: 'link', linkname: '/etc/passwd' }]),
    'hardlink-forward.tar.gz': await evil([
      { name: 'evil-1.0/pw', type: 'link', linkname: 'evil-1.0/later' },
      { name: 'evil-1.0/later', content: 'later\n' },
    ]),
    'device-char.tar.gz': await evil([{ name: 'evil-1.0/null', type: 'character-device' }]),
    'device-block.tar.gz': await evil([{ name: 'evil-1.0/sda', type: 'block-device' }]),
    'fifo.tar.gz': await evil([{ name: 'evil-1.0/pipe', type: 'fifo' }]),
    'huge-size.tar.gz': gzipSync(Buffer.concat([await makeTar([{ name: 'evil-1.0/ok', content: 'fine\n' }]).then(stripEnd), hugeFileHeader('evil-1.0/huge', 5 * 1024 ** 3), Buffer.alloc(1024 ** 2)])),
    'empty.tar.gz': Buffer.alloc(0),
    'no-entries.tar.gz': gzipSync(Buffer.alloc(1024)),
    // "café" in Latin-1: the é is the single byte 0xe9, which is not UTF-8.
    'non-utf8-name.tar.gz': gzipSync(Buffer.concat([await makeTar([{ name: 'evil-1.0/ok', content: 'fine\n' }]).then(stripEnd), rawFileEntry(Buffer.from('evil-1.0/caf\xe9', 'latin1'), Buffer.from('bytes\n')), Buffer.alloc(1024)])),
    'long-name.tar.gz': await evil([{ name: `evil-1.0/${'n'.repeat(300)}`, content: 'a name longer than NAME_MAX\n' }]),
    'lzip.tar.lz': Buffer.concat([Buffer.from('LZIP\x01', 'latin1'), noise(256)]),
    'cut-xz.tar.xz': await xz(await makeTar(helloEntries)).then((b) => b.subarray(0, Math.floor(b.length / 2))),
    // 3 x 512 KiB of zeros: a few KB compressed, 1.5 MiB unpacked.
    'zeros.tar.gz': await makeTarGz(['a', 'b', 'c'].map((n) => ({ name: `zeros/${n}`, content: Buffer.alloc(512 * 1024) }))),
    'not-a-tar.tar.gz': gzipSync(Buffer.from('this is text, not a tar archive\n'.repeat(64))),
    'cut-gzip.tar.gz': helloGz.subarray(0, Math.floor(helloGz.length / 2)),
  };
}

/** Deterministic bytes that do not compress (a sha256 chain). */
export function noise(size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update('tczbuild fixture noise').digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** xz -c over bytes, with the real tool (as users' .tar.xz sources are made). */
async function xz(bytes: Buffer): Promise<Buffer> {
  return execFileSync('xz', ['-c', '-6'], { input: bytes });
}

/** A ustar file entry whose name is exactly these bytes (tar libraries re-encode names as UTF-8). */
export function rawFileEntry(name: Buffer, content: Buffer): Buffer {
  const h = fileHeader(name, content.length);
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([h, padded]);
}

/** makeTar ends with two zero blocks; drop them so another header can follow. */
function stripEnd(tar: Buffer): Buffer {
  let end = tar.length;
  while (end >= 512 && tar.subarray(end - 512, end).every((b) => b === 0)) end -= 512;
  return tar.subarray(0, end);
}

/**
 * A ustar header for a regular file that claims `size` bytes, written by hand because tar
 * libraries size a header from the body they are given. Only the header is served: a reader
 * that trusted the size would try to write gigabytes.
 */
export function hugeFileHeader(name: string, size: number): Buffer {
  return fileHeader(Buffer.from(name), size);
}

function fileHeader(name: Buffer, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (value: string, offset: number, length: number): void => void h.write(value, offset, length, 'ascii');
  const octal = (n: number, length: number): string => n.toString(8).padStart(length - 1, '0');
  name.copy(h, 0, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(1_600_000_000, 12), 136, 12);
  put('0', 156, 1);
  put('ustar\u000000', 257, 8);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${octal(sum, 7)}\u0000 `, 148, 8);
  return h;
}

/** Replace @SERVER@ and @SHA256(name)@ in a fixture recipe. */
export function fillPlaceholders(text: string, serverUrl: string, artifacts: Artifacts): string {
  return text.replaceAll('@SERVER@', serverUrl).replace(/@SHA256\(([^)]+)\)@/g, (_, name: string) => {
    const bytes = artifacts[name];
    if (!bytes) throw new Error(`fixture names an unknown artifact ${name}`);
    return sha256Of(bytes);
  });
}
