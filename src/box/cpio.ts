/**
 * A gzip'd newc cpio archive of a few regular files, appended to a box's initrd: the kernel
 * unpacks concatenated archives in order, later files replacing earlier ones, so the generated
 * /opt/bootlocal.sh and /opt/tcemirror land over the box's own. Only files are written, never
 * directory entries, so the box's directories keep their owner and mode. Pure.
 */
import { gzipSync } from 'node:zlib';

export interface CpioFile {
  /** path inside the box, without a leading slash */
  readonly path: string;
  readonly data: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

const fixedMtime = 1577836800; // 2020-01-01, so the archive is the same for the same files

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function entry(name: string, mode: number, uid: number, gid: number, data: Buffer, ino: number): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  const fields = [ino, mode, uid, gid, 1, fixedMtime, data.length, 0, 0, 0, 0, nameBytes.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  const head = Buffer.concat([header, nameBytes]);
  return Buffer.concat([head, pad4(head.length), data, pad4(data.length)]);
}

export function newcArchive(files: readonly CpioFile[]): Buffer {
  const parts = files.map((f, i) => {
    if (f.path.startsWith('/') || f.path.split('/').includes('..')) throw new Error(`cpio path must be relative: ${f.path}`);
    return entry(f.path, 0o100000 | (f.mode & 0o7777), f.uid, f.gid, f.data, i + 1);
  });
  parts.push(entry('TRAILER!!!', 0, 0, 0, Buffer.alloc(0), 0));
  return Buffer.concat(parts);
}

export function gzipNewc(files: readonly CpioFile[]): Buffer {
  return gzipSync(newcArchive(files), { level: 6 });
}
