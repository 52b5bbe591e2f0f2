/**
 * Parse what unsquashfs prints: the long numeric listing (`unsquashfs -lln -d ''`) into image
 * entries, and the superblock summary (`unsquashfs -s`) into a block size. Pure text parsing.
 */
import type { EntryType, ImageEntry } from './types.js';

const lineRe = /^([-dlcbps])([-rwxsStT]{9})\s+(\d+)\/(\d+)\s+(?:\d+,\s*\d+|\d+)\s+\d{4}-\d\d-\d\d \d\d:\d\d (.*)$/;

function modeBits(perm: string): number {
  let mode = 0;
  const bit = (i: number, ch: string, value: number): void => {
    if (perm[i] === ch) mode |= value;
  };
  const triples: [number, number][] = [[0, 6], [3, 3], [6, 0]];
  for (const [i, shift] of triples) {
    bit(i, 'r', 4 << shift);
    bit(i + 1, 'w', 2 << shift);
    const x = perm[i + 2];
    if (x === 'x' || x === 's' || x === 't') mode |= 1 << shift;
  }
  if (/[sS]/.test(perm[2] ?? '')) mode |= 0o4000;
  if (/[sS]/.test(perm[5] ?? '')) mode |= 0o2000;
  if (/[tT]/.test(perm[8] ?? '')) mode |= 0o1000;
  return mode;
}

function typeOf(ch: string): EntryType {
  return ch === '-' ? 'file' : ch === 'd' ? 'dir' : ch === 'l' ? 'symlink' : 'other';
}

export function parseLongListing(text: string): ImageEntry[] {
  const entries: ImageEntry[] = [];
  for (const line of text.split('\n')) {
    const m = lineRe.exec(line);
    if (!m) continue;
    const [, t = '-', perm = '', uid = '0', gid = '0', rawName = ''] = m;
    const type = typeOf(t);
    let name = rawName;
    let target: string | undefined;
    if (type === 'symlink') {
      const at = rawName.indexOf(' -> ');
      if (at >= 0) {
        name = rawName.slice(0, at);
        target = rawName.slice(at + 4);
      }
    }
    entries.push({ path: name.replace(/^\/+/, ''), type, mode: modeBits(perm), uid: Number(uid), gid: Number(gid), ...(target !== undefined ? { target } : {}) });
  }
  return entries;
}

export function parseBlockSize(text: string): number | undefined {
  const m = /^Block size (\d+)$/m.exec(text);
  return m?.[1] ? Number(m[1]) : undefined;
}

export function parseCompression(text: string): string | undefined {
  return /^Compression (\S+)$/m.exec(text)?.[1];
}
