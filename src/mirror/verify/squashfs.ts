/**
 * A reader for squashfs 4.0 images inside tczbuild's own process: the entries `unsquashfs -lln`
 * would list (path, type, permission bits, numeric owner, symlink target) and the bytes of any
 * regular file, without starting a program. verify reads every image of a mirror; with thousands
 * of small extensions, two unsquashfs runs per image were nearly all of its time (process starts,
 * not work). Only what TinyCore mounts is read here: gzip (zlib) or stored blocks. Anything else
 * (another compressor, a damaged image) throws UnsupportedImage and the caller asks unsquashfs,
 * which stays the judge of what a broken image is.
 *
 * Layout from the kernel's fs/squashfs/squashfs_fs.h (torvalds/linux) and squashfs-tools'
 * squashfs_fs.h: little-endian superblock of 96 bytes; metadata blocks of at most 8 KiB behind a
 * 16-bit header (bit 15 set: stored); inode references `block << 16 | offset` into the inode
 * table; directories as headers of (count - 1, inode block, base inode number) followed by count
 * entries (offset, inode delta, type, name length - 1, name); data blocks behind 32-bit size words
 * (bit 24 set: stored, 0: a hole); file tails in fragment blocks.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import type { EntryType, ImageEntry } from './types.js';

/** The image is not one this reader handles; unsquashfs decides what it is. */
export class UnsupportedImage extends Error {}

const magic = 0x73717368; // "hsqs"
const metaSize = 8192;
const invalidFrag = 0xffffffff;
const gzip = 1;

export interface Superblock {
  readonly inodes: number;
  readonly blockSize: number;
  readonly fragments: number;
  readonly compression: number;
  readonly noIds: number;
  readonly rootInode: bigint;
  readonly bytesUsed: number;
  readonly idTableStart: number;
  readonly inodeTableStart: number;
  readonly directoryTableStart: number;
  readonly fragmentTableStart: number;
}

/** A regular file's data: where its blocks are and where its tail sits. */
interface FileData {
  readonly size: number;
  readonly start: number;
  readonly blocks: readonly number[];
  readonly fragment: number;
  readonly fragOffset: number;
}

export interface SquashEntry extends ImageEntry {
  /** For regular files: where to find the bytes. */
  readonly data?: FileData;
}

function bad(why: string): never {
  throw new UnsupportedImage(why);
}

/** Read positions of the image: the whole file when small, positional reads when not. */
class Bytes {
  private constructor(
    private readonly whole: Buffer | undefined,
    private readonly fh: FileHandle | undefined,
    readonly size: number,
  ) {}

  static of(buf: Buffer): Bytes {
    return new Bytes(buf, undefined, buf.length);
  }

  static async open(path: string, wholeUpTo: number): Promise<Bytes> {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      if (size <= wholeUpTo) {
        const buf = Buffer.allocUnsafe(size);
        let done = 0;
        while (done < size) {
          const { bytesRead } = await fh.read(buf, done, size - done, done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        await fh.close();
        return new Bytes(buf.subarray(0, done), undefined, done);
      }
      return new Bytes(undefined, fh, size);
    } catch (error) {
      await fh.close();
      throw error;
    }
  }

  async read(pos: number, len: number): Promise<Buffer> {
    if (pos < 0 || len < 0 || pos + len > this.size) bad(`a read at ${pos}+${len} runs past the end of the image (${this.size} bytes)`);
    if (this.whole) return this.whole.subarray(pos, pos + len);
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await this.fh!.read(buf, 0, len, pos);
    if (bytesRead !== len) bad(`short read at ${pos}`);
    return buf;
  }

  async close(): Promise<void> {
    await this.fh?.close();
  }
}

function inflate(data: Buffer, max: number): Buffer {
  try {
    const out = inflateSync(data, { maxOutputLength: max });
    return out;
  } catch (error) {
    return bad(`a block does not inflate: ${(error as Error).message}`);
  }
}

export function parseSuperblock(sb: Buffer): Superblock {
  if (sb.length < 96 || sb.readUInt32LE(0) !== magic) bad('not a squashfs image');
  if (sb.readUInt16LE(28) !== 4 || sb.readUInt16LE(30) !== 0) bad('not squashfs 4.0');
  const u64 = (at: number): number => {
    const v = sb.readBigUInt64LE(at);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? bad('a table lies beyond any file') : Number(v);
  };
  const blockSize = sb.readUInt32LE(12);
  if (blockSize < 4096 || blockSize > 1 << 20 || (blockSize & (blockSize - 1)) !== 0) bad(`block size ${blockSize}`);
  return {
    inodes: sb.readUInt32LE(4),
    blockSize,
    fragments: sb.readUInt32LE(16),
    compression: sb.readUInt16LE(20),
    noIds: sb.readUInt16LE(26),
    rootInode: sb.readBigUInt64LE(32),
    bytesUsed: u64(40),
    idTableStart: u64(48),
    inodeTableStart: u64(64),
    directoryTableStart: u64(72),
    fragmentTableStart: u64(80),
  };
}

/** One open image: superblock, id table, fragment table, and metadata blocks read once each. */
export class SquashImage {
  private readonly metaCache = new Map<number, { data: Buffer; next: number }>();
  private fragTable: Array<{ start: number; size: number }> = [];
  private ids: number[] = [];
  private readonly fragCache = new Map<number, Buffer>();

  private constructor(
    private readonly bytes: Bytes,
    readonly sb: Superblock,
  ) {}

  /** Open an image for reading (read whole when at most wholeUpTo bytes); throws UnsupportedImage for what unsquashfs should judge. */
  static async open(path: string, wholeUpTo = 16 << 20): Promise<SquashImage> {
    return SquashImage.over(await Bytes.open(path, wholeUpTo));
  }

  /** An image already read into memory (verify reads small images whole, for their md5 too). */
  static async fromBuffer(buf: Buffer): Promise<SquashImage> {
    return SquashImage.over(Bytes.of(buf));
  }

  private static async over(bytes: Bytes): Promise<SquashImage> {
    try {
      if (bytes.size < 96) bad('shorter than a superblock');
      const sb = parseSuperblock(await bytes.read(0, 96));
      if (sb.compression !== gzip) bad(`compressor ${sb.compression}`);
      if (sb.bytesUsed > bytes.size) bad('truncated');
      const img = new SquashImage(bytes, sb);
      await img.loadTables();
      return img;
    } catch (error) {
      await bytes.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.bytes.close();
  }

  /** Every entry, in the order `unsquashfs -lln` lists them: the root, then depth first by name. */
  async entries(): Promise<SquashEntry[]> {
    const out: SquashEntry[] = [];
    const root = this.sb.rootInode;
    const rootInode = await this.inode(Number(root >> 16n), Number(root & 0xffffn));
    if (rootInode.kind !== 'dir') bad('the root is not a directory');
    out.push(this.entry('', rootInode));
    await this.walk('', rootInode, out, 0);
    return out;
  }

  /** The first `max` bytes of a regular file (all of it when max is undefined). */
  async fileBytes(data: FileData, max?: number): Promise<Buffer> {
    const want = Math.min(data.size, max ?? data.size);
    // one buffer of the final size, filled block by block: a 50 MB binary costs 50 MB, not twice that
    const out = Buffer.allocUnsafe(want);
    let have = 0;
    let pos = data.start;
    const bs = this.sb.blockSize;
    for (let i = 0; i < data.blocks.length && have < want; i++) {
      const word = data.blocks[i]!;
      const len = word & ~(1 << 24);
      const expect = Math.min(bs, data.size - i * bs);
      if (len === 0) out.fill(0, have, Math.min(want, have + expect));
      else {
        const raw = await this.bytes.read(pos, len);
        const block = word & (1 << 24) ? raw : inflate(raw, bs);
        if (block.length !== expect) bad('a data block has the wrong length');
        block.copy(out, have, 0, Math.min(expect, want - have));
        pos += len;
      }
      have += Math.min(expect, want - have);
    }
    if (have < want) {
      if (data.fragment === invalidFrag) bad('a file is shorter than its size');
      const frag = await this.fragment(data.fragment);
      const tail = data.size % bs;
      if (data.fragOffset + tail > frag.length) bad('a file tail lies outside its fragment');
      frag.copy(out, have, data.fragOffset, data.fragOffset + Math.min(tail, want - have));
      have += Math.min(tail, want - have);
    }
    if (have !== want) bad('a file is shorter than its size');
    return out;
  }

  private async loadTables(): Promise<void> {
    const { noIds, idTableStart, fragments, fragmentTableStart } = this.sb;
    if (noIds === 0) bad('no id table');
    this.ids = [];
    const idBlocks = Math.ceil((noIds * 4) / metaSize);
    const idIndex = await this.bytes.read(idTableStart, idBlocks * 8);
    const idBytes = await this.metaFromIndex(idIndex, idBlocks, noIds * 4);
    for (let i = 0; i < noIds; i++) this.ids.push(idBytes.readUInt32LE(i * 4));
    if (fragments > 0) {
      const fragBlocks = Math.ceil((fragments * 16) / metaSize);
      const fragIndex = await this.bytes.read(fragmentTableStart, fragBlocks * 8);
      const raw = await this.metaFromIndex(fragIndex, fragBlocks, fragments * 16);
      for (let i = 0; i < fragments; i++) this.fragTable.push({ start: Number(raw.readBigUInt64LE(i * 16)), size: raw.readUInt32LE(i * 16 + 8) });
    }
  }

  /** A table whose metadata blocks are listed by an index of absolute u64 positions. */
  private async metaFromIndex(index: Buffer, blocks: number, len: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let i = 0; i < blocks; i++) parts.push((await this.meta(Number(index.readBigUInt64LE(i * 8)))).data);
    const all = Buffer.concat(parts);
    if (all.length < len) bad('a table is shorter than its count');
    return all;
  }

  /** One metadata block at an absolute position: its bytes and where the next one starts. */
  private async meta(pos: number): Promise<{ data: Buffer; next: number }> {
    const hit = this.metaCache.get(pos);
    if (hit) return hit;
    const header = (await this.bytes.read(pos, 2)).readUInt16LE(0);
    const len = header & 0x7fff;
    if (len === 0 || len > metaSize) bad('a metadata block has an impossible size');
    const raw = await this.bytes.read(pos + 2, len);
    const data = header & 0x8000 ? raw : inflate(raw, metaSize);
    const block = { data, next: pos + 2 + len };
    this.metaCache.set(pos, block);
    return block;
  }

  /** `len` bytes of a metadata table from block `tableStart + block`, `offset` in (an offset past the block's end continues in the next). */
  private async metaRead(tableStart: number, block: number, offset: number, len: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let pos = tableStart + block;
    let at = offset;
    let left = len;
    for (let hops = 0; left > 0; hops++) {
      if (hops > 4096) bad('a metadata read that never ends');
      const m = await this.meta(pos);
      pos = m.next;
      if (at >= m.data.length) {
        at -= m.data.length;
        continue;
      }
      const take = Math.min(left, m.data.length - at);
      parts.push(m.data.subarray(at, at + take));
      left -= take;
      at = 0;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private id(index: number): number {
    const v = this.ids[index];
    return v === undefined ? bad(`id index ${index} beyond the id table`) : v;
  }

  private async fragment(index: number): Promise<Buffer> {
    const hit = this.fragCache.get(index);
    if (hit) return hit;
    const f = this.fragTable[index] ?? bad(`fragment ${index} beyond the fragment table`);
    const len = f.size & ~(1 << 24);
    const raw = await this.bytes.read(f.start, len);
    const data = f.size & (1 << 24) ? raw : inflate(raw, this.sb.blockSize);
    this.fragCache.set(index, data);
    return data;
  }

  /** Decode the inode at (block, offset) of the inode table. */
  private async inode(block: number, offset: number): Promise<Inode> {
    const read = (len: number, skip = 0): Promise<Buffer> => this.metaReadFrom(block, offset, skip, len);
    const base = await read(16);
    const type = base.readUInt16LE(0);
    const mode = base.readUInt16LE(2) & 0o7777;
    const uid = this.id(base.readUInt16LE(4));
    const gid = this.id(base.readUInt16LE(6));
    const common = { mode, uid, gid };
    switch (type) {
      case 1: {
        const b = await read(16, 16);
        return { ...common, kind: 'dir', startBlock: b.readUInt32LE(0), fileSize: b.readUInt16LE(8), offset: b.readUInt16LE(10) };
      }
      case 8: {
        const b = await read(24, 16);
        return { ...common, kind: 'dir', fileSize: b.readUInt32LE(4), startBlock: b.readUInt32LE(8), offset: b.readUInt16LE(18) };
      }
      case 2:
      case 9: {
        const long = type === 9;
        const b = await read(long ? 40 : 16, 16);
        const start = long ? Number(b.readBigUInt64LE(0)) : b.readUInt32LE(0);
        const size = long ? Number(b.readBigUInt64LE(8)) : b.readUInt32LE(12);
        const fragment = long ? b.readUInt32LE(28) : b.readUInt32LE(4);
        const fragOffset = long ? b.readUInt32LE(32) : b.readUInt32LE(8);
        const bs = this.sb.blockSize;
        const count = fragment === invalidFrag ? Math.ceil(size / bs) : Math.floor(size / bs);
        if (count > 1 << 24) bad('a file with an impossible number of blocks');
        const list = await read(count * 4, 16 + (long ? 40 : 16));
        const blocks: number[] = [];
        for (let i = 0; i < count; i++) blocks.push(list.readUInt32LE(i * 4));
        return { ...common, kind: 'file', data: { size, start, blocks, fragment, fragOffset } };
      }
      case 3:
      case 10: {
        const b = await read(8, 16);
        const len = b.readUInt32LE(4);
        if (len > 65536) bad('a symlink target longer than any path');
        const target = (await read(len, 24)).toString('utf8');
        return { ...common, kind: 'symlink', target };
      }
      case 4:
      case 5:
      case 6:
      case 7:
      case 11:
      case 12:
      case 13:
      case 14:
        return { ...common, kind: 'other' };
      default:
        return bad(`inode type ${type}`);
    }
  }

  private metaReadFrom(block: number, offset: number, skip: number, len: number): Promise<Buffer> {
    return this.metaRead(this.sb.inodeTableStart, block, offset + skip, len);
  }

  private entry(path: string, i: Inode): SquashEntry {
    const type: EntryType = i.kind;
    return { path, type, mode: i.mode, uid: i.uid, gid: i.gid, ...(i.kind === 'symlink' ? { target: i.target } : {}), ...(i.kind === 'file' ? { data: i.data } : {}) };
  }

  private async walk(prefix: string, dir: DirInode, out: SquashEntry[], depth: number): Promise<void> {
    if (depth > 256) bad('directories nested deeper than any tree');
    if (dir.fileSize <= 3) return;
    const bytes = await this.metaRead(this.sb.directoryTableStart, dir.startBlock, dir.offset, dir.fileSize - 3);
    let at = 0;
    while (at + 12 <= bytes.length) {
      const count = bytes.readUInt32LE(at) + 1;
      const inodeBlock = bytes.readUInt32LE(at + 4);
      at += 12;
      if (count > 256) bad('a directory header with too many entries');
      for (let k = 0; k < count; k++) {
        if (at + 8 > bytes.length) bad('a directory entry runs past its directory');
        const offset = bytes.readUInt16LE(at);
        const nameLen = bytes.readUInt16LE(at + 6) + 1;
        const name = bytes.toString('utf8', at + 8, at + 8 + nameLen);
        at += 8 + nameLen;
        if (at > bytes.length || name === '' || name === '.' || name === '..' || name.includes('/')) bad('a bad directory entry');
        const path = prefix === '' ? name : `${prefix}/${name}`;
        const child = await this.inode(inodeBlock, offset);
        out.push(this.entry(path, child));
        if (child.kind === 'dir') await this.walk(path, child, out, depth + 1);
      }
    }
    if (at !== bytes.length) bad('a directory has trailing bytes');
  }
}

interface Common {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}
interface DirInode extends Common {
  readonly kind: 'dir';
  readonly startBlock: number;
  readonly fileSize: number;
  readonly offset: number;
}
type Inode = DirInode | (Common & { readonly kind: 'file'; readonly data: FileData }) | (Common & { readonly kind: 'symlink'; readonly target: string }) | (Common & { readonly kind: 'other' });
