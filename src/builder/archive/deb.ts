/**
 * Where a Debian package keeps its files: a .deb is an ar archive (`!<arch>\n`, then members
 * with a 60-byte text header and data padded to an even length, deb(5)) holding
 * `debian-binary`, `control.tar.*` and `data.tar[.gz|.xz|.zst|.bz2]`. This finds the data
 * member's byte range, so the ordinary tar path unpacks it with the same checks and caps as
 * any tar source. ar is small enough to read here rather than depend on a package or on
 * dpkg-deb (not present on a TinyCore build VM). Reads headers only; never the payload.
 */
import { open } from 'node:fs/promises';
import type { ByteRange } from './decompress.js';
import { detectFormat, formatName, sniffLength, type Compression } from './format.js';

export const arMagic = '!<arch>\n';
const headerLength = 60;

export interface ArMember {
  readonly name: string;
  /** Byte offset of the member's data in the file. */
  readonly offset: number;
  readonly size: number;
}

/** A problem with the ar layout, in words for the user; the caller adds file and source. */
export class DebFormatError extends Error {}

/** The members of an ar archive, in order. Throws DebFormatError on a truncated or malformed header. */
export async function arMembers(path: string): Promise<ArMember[]> {
  const file = await open(path, 'r');
  try {
    const { size: total } = await file.stat();
    const magic = Buffer.alloc(arMagic.length);
    await file.read(magic, 0, magic.length, 0);
    if (magic.toString('latin1') !== arMagic) throw new DebFormatError('it does not start with the ar magic "!<arch>"');
    const members: ArMember[] = [];
    let at = arMagic.length;
    const header = Buffer.alloc(headerLength);
    while (at < total) {
      const { bytesRead } = await file.read(header, 0, headerLength, at);
      if (bytesRead < headerLength) throw new DebFormatError(`the member header at byte ${at} is cut short`);
      const member = parseHeader(header, at);
      if (member.offset + member.size > total) throw new DebFormatError(`member "${member.name}" claims ${member.size} bytes but the file ends ${total - member.offset} bytes after its header`);
      members.push(member);
      at = member.offset + member.size + (member.size % 2);
    }
    return members;
  } finally {
    await file.close();
  }
}

function parseHeader(h: Buffer, at: number): ArMember {
  if (h[58] !== 0x60 || h[59] !== 0x0a) throw new DebFormatError(`the member header at byte ${at} lacks its end marker`);
  // GNU ar ends names with '/', BSD and dpkg pad with spaces.
  const name = h.toString('latin1', 0, 16).trimEnd().replace(/\/$/, '');
  const sizeText = h.toString('latin1', 48, 58).trim();
  if (!/^\d{1,10}$/.test(sizeText)) throw new DebFormatError(`member "${name}" has a size that is not a number: "${sizeText}"`);
  return { name, offset: at + headerLength, size: Number(sizeText) };
}

/** data.tar with any compression dpkg writes (deb(5)); .lzma is legacy and not read. */
const dataMember = /^data\.tar(\.(gz|xz|zst|bz2))?$/;

/** The data.tar member of a Debian binary package. */
export async function debDataMember(path: string): Promise<ArMember> {
  const members = await arMembers(path);
  if (members[0]?.name !== 'debian-binary') throw new DebFormatError('it is an ar archive but not a Debian package (its first member is not debian-binary)');
  const data = members.find((m) => dataMember.test(m.name));
  if (!data) throw new DebFormatError(`it has no data.tar member (members: ${members.map((m) => m.name).join(', ')})`);
  return data;
}

/** The data.tar of a .deb as what the tar reader needs: the member's byte range and its compression, read from its bytes. */
export async function debDataTar(path: string): Promise<{ readonly member: ArMember; readonly range: ByteRange; readonly compression: Compression | undefined }> {
  const member = await debDataMember(path);
  if (member.size === 0) throw new DebFormatError(`its ${member.name} member is empty`);
  const head = Buffer.alloc(Math.min(sniffLength, member.size));
  const file = await open(path, 'r');
  try {
    await file.read(head, 0, head.length, member.offset);
  } finally {
    await file.close();
  }
  const format = detectFormat(head);
  if (format.kind !== 'tar') throw new DebFormatError(`its ${member.name} member is a ${formatName(format)}, not a tar`);
  return { member, range: { start: member.offset, end: member.offset + member.size - 1 }, compression: format.compression };
}
