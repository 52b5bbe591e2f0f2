/**
 * Read a .tcz the way verify needs it: its entries with numeric owners (what `unsquashfs -lln`
 * lists), its block size and compressor, the ELF header and program interpreter of every regular
 * file and the text of its tce.installed hooks. A gzip image is read in-process (squashfs.ts: no
 * program started per image); any other image, or one that reader refuses, goes through
 * unsquashfs (a listing and a temporary extraction, removed afterwards). Any unsquashfs failure
 * becomes `error` instead of a throw, so one broken image is a finding, not the end of the run.
 * I/O only; no judgement.
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { readIfSmall } from '../../util/small-file.js';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTczError } from '../../diagnostics/errors.js';
import type { ToolResult } from '../../util/exec.js';
import { md5File } from '../scan.js';
import { elfMagic, readElfInterpreter } from './elf.js';
import { readElfDynamic, type ElfDynamicInfo } from './elf-dynamic.js';
import { parseBlockSize, parseCompression, parseLongListing } from './listing.js';
import { SquashImage, UnsupportedImage } from './squashfs.js';
import type { ImageEntry, ImageInfo } from './types.js';

/** How verify starts unsquashfs and busybox, in the run's environment: runTool, or a shared Spawner when reading many images. */
export type RunTool = (file: string, args: readonly string[]) => Promise<ToolResult>;

export async function readImage(tczPath: string, run: RunTool): Promise<ImageInfo> {
  // gzip images (all TinyCore mounts) are read in-process; unsquashfs judges everything else
  return (await readNatively(() => SquashImage.open(tczPath), run)) ?? (await readWithUnsquashfs(tczPath, run));
}

/** Images up to this size are read into memory once, for their md5 and their contents. */
const wholeImageBytes = 16 << 20;

/** A .tcz's md5, size and contents, reading a small image from disk once. */
export async function readTcz(tczPath: string, run: RunTool): Promise<{ md5: string; size: number; image: ImageInfo }> {
  // a small image is read once, in place: no thread-pool round trips (util/small-file.ts)
  const whole = readIfSmall(tczPath, wholeImageBytes);
  if (!whole) {
    const [md5, image] = await Promise.all([md5File(tczPath), readImage(tczPath, run)]);
    return { md5, size: statSync(tczPath).size, image };
  }
  const md5 = createHash('md5').update(whole).digest('hex');
  const image = (await readNatively(() => SquashImage.fromBuffer(whole), run)) ?? (await readWithUnsquashfs(tczPath, run));
  return { md5, size: whole.length, image };
}

/** The facts from the image itself (squashfs.ts); undefined when it is not one the reader takes. */
async function readNatively(opened: () => Promise<SquashImage>, run: RunTool): Promise<ImageInfo | undefined> {
  try {
    return await readOpened(await opened(), run);
  } catch (error) {
    if (error instanceof UnsupportedImage || (error as NodeJS.ErrnoException).code !== undefined) return undefined;
    throw error;
  }
}

async function readOpened(img: SquashImage, run: RunTool): Promise<ImageInfo> {
  try {
    const all = await img.entries();
    const entries: ImageEntry[] = all.map(({ data: _data, ...e }) => e);
    const data = new Map(all.flatMap((e) => (e.data ? [[e.path, e.data] as const] : [])));
    let tmp: string | undefined;
    try {
      const facts = await fileFacts([...data.keys()], {
        head: (rel) => img.fileBytes(data.get(rel)!, headBytes),
        whole: (rel) => img.fileBytes(data.get(rel)!),
        ashCheck: async (rel) => {
          tmp ??= await mkdtemp(join(tmpdir(), 'tczbuild-verify-'));
          const file = join(tmp, rel.split('/').pop()!);
          await writeFile(file, await img.fileBytes(data.get(rel)!));
          return ashSyntax(file, run);
        },
      });
      return { entries, blockSize: img.sb.blockSize, compression: 'gzip', ...facts };
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  } finally {
    await img.close();
  }
}

async function readWithUnsquashfs(tczPath: string, run: RunTool): Promise<ImageInfo> {
  let listing: string;
  let summary: string;
  try {
    listing = (await run('unsquashfs', ['-lln', '-d', '', tczPath])).stdout;
    // block size and compressor straight from the superblock: one process fewer per image
    summary = (await superblockSummary(tczPath)) ?? (await run('unsquashfs', ['-s', tczPath])).stdout;
  } catch (error) {
    if (isTczError(error) && error.diagnostics[0]?.id === 'tool-failed') {
      return { error: error.diagnostics[0].message.split('\n').slice(-1)[0] ?? 'unsquashfs failed', entries: [], elfHeaders: new Map(), elfInterpreters: new Map(), hookTexts: new Map() };
    }
    throw error;
  }
  const entries = parseLongListing(listing);
  const blockSize = parseBlockSize(summary);
  const compression = parseCompression(summary);
  try {
    return { entries, blockSize, compression, ...(await extractedFacts(tczPath, entries.filter((e) => e.type === 'file').map((e) => e.path), run)) };
  } catch (error) {
    if (!isTczError(error)) throw error;
    // the listing is good, so the ownership checks still run; only the ELF check cannot
    return { entries, blockSize, compression, elfHeaders: new Map(), elfInterpreters: new Map(), hookTexts: new Map(), elfError: error.diagnostics[0]?.message ?? 'unsquashfs failed' };
  }
}

/** Enough of a file to hold its program headers and PT_INTERP in any binary linkers produce. */
const headBytes = 64 * 1024;
const hookDir = 'usr/local/tce.installed/';

type FileFacts = Pick<ImageInfo, 'elfHeaders' | 'elfInterpreters' | 'hookTexts' | 'hookSyntaxErrors' | 'elfDynamic' | 'moduleVermagic'>;

/** How fileFacts reaches a regular file's bytes: from an extraction on disk or from the image itself. */
interface FileAccess {
  /** The first headBytes bytes (fewer when the file is shorter); undefined when unreadable. */
  head(rel: string): Promise<Buffer | undefined>;
  whole(rel: string): Promise<Buffer>;
  /** What `busybox ash -n` says about the hook (undefined: clean). */
  ashCheck(rel: string): Promise<string | undefined>;
}

/** ELF headers, interpreters and dynamic sections, hook texts and module vermagic of the regular files. */
async function fileFacts(files: readonly string[], access: FileAccess): Promise<FileFacts> {
  const elfHeaders = new Map<string, Buffer>();
  const elfInterpreters = new Map<string, string>();
  const hookTexts = new Map<string, string>();
  const hookSyntaxErrors = new Map<string, string>();
  const elfDynamic = new Map<string, ElfDynamicInfo>();
  const moduleVermagic = new Map<string, string>();
  for (const rel of files) {
    const head = await access.head(rel);
    if (!head) continue;
    const bytesRead = head.length;
    if (rel.startsWith(hookDir)) {
      hookTexts.set(rel, head.toString('utf8'));
      const syntax = await access.ashCheck(rel);
      if (syntax !== undefined) hookSyntaxErrors.set(rel, syntax);
    }
    if (/\.ko(\.gz)?$/.test(rel)) moduleVermagic.set(rel, vermagicOf(await access.whole(rel), rel.endsWith('.gz')));
    if (bytesRead < 20 || !head.subarray(0, 4).equals(elfMagic)) continue;
    elfHeaders.set(rel, Buffer.from(head.subarray(0, 20)));
    const interp = readElfInterpreter(head);
    if (interp !== undefined) elfInterpreters.set(rel, interp);
    // the section headers sit at the end of the file: read it whole (one file at a time)
    const dynamic = readElfDynamic(bytesRead < headBytes ? head : await access.whole(rel));
    if (dynamic) elfDynamic.set(rel, dynamic);
  }
  return { elfHeaders, elfInterpreters, hookTexts, hookSyntaxErrors, elfDynamic, moduleVermagic };
}

async function extractedFacts(tczPath: string, files: readonly string[], run: RunTool): Promise<FileFacts> {
  if (files.length === 0) return fileFacts([], { head: async () => undefined, whole: async () => Buffer.alloc(0), ashCheck: async () => undefined });
  const tmp = await mkdtemp(join(tmpdir(), 'tczbuild-verify-'));
  try {
    const root = join(tmp, 'root');
    await run('unsquashfs', ['-d', root, '-no-progress', '-no-xattrs', tczPath]);
    return await fileFacts(files, {
      head: async (rel) => {
        const fh = await open(join(root, rel), 'r').catch(() => undefined);
        if (!fh) return undefined;
        try {
          const buf = Buffer.alloc(headBytes);
          const { bytesRead } = await fh.read(buf, 0, headBytes, 0);
          return buf.subarray(0, bytesRead);
        } finally {
          await fh.close();
        }
      },
      whole: (rel) => readFile(join(root, rel)),
      ashCheck: (rel) => ashSyntax(join(root, rel), run),
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** What `busybox ash -n` (the shell tce-load runs the hook with) says about a script; undefined when clean or busybox is missing. */
async function ashSyntax(file: string, run: RunTool): Promise<string | undefined> {
  try {
    await run('busybox', ['ash', '-n', file]);
    return undefined;
  } catch (error) {
    if (!isTczError(error)) return undefined;
    const d = error.diagnostics[0];
    if (d?.id !== 'tool-failed') return undefined; // busybox not installed: nothing to judge with
    return d.message.split('\n').filter(Boolean).slice(-1)[0] ?? 'syntax error';
  }
}

/** The `vermagic=` string of a kernel module's .modinfo ('' when absent or unreadable). */
export function vermagicOf(bytes: Buffer, gzipped: boolean): string {
  let data = bytes;
  if (gzipped) {
    try {
      data = gunzipSync(bytes);
    } catch {
      return '';
    }
  }
  const at = data.indexOf('vermagic=');
  if (at < 0) return '';
  const end = data.indexOf(0, at);
  return data.toString('latin1', at + 9, end < 0 ? data.length : end);
}

/** squashfs 4.0 superblock compressor ids (squashfs_fs.h), named as `unsquashfs -s` names them. */
const compressors: Readonly<Record<number, string>> = { 1: 'gzip', 2: 'lzma', 3: 'lzo', 4: 'xz', 5: 'lz4', 6: 'zstd' };

/**
 * The two lines of `unsquashfs -s` verify reads ("Block size N", "Compression NAME"), from the
 * superblock itself (little-endian: magic "hsqs" at 0, block_size u32 at 12, compression u16
 * at 20, version major u16 at 28); undefined when it is not a squashfs 4 image, so the caller
 * asks unsquashfs and reports what it says.
 */
async function superblockSummary(tczPath: string): Promise<string | undefined> {
  const fh = await open(tczPath, 'r');
  try {
    const sb = Buffer.alloc(32);
    const { bytesRead } = await fh.read(sb, 0, 32, 0);
    if (bytesRead < 32 || sb.readUInt32LE(0) !== 0x73717368 || sb.readUInt16LE(28) !== 4) return undefined;
    const name = compressors[sb.readUInt16LE(20)];
    return name ? `Block size ${sb.readUInt32LE(12)}\nCompression ${name}\n` : undefined;
  } finally {
    await fh.close();
  }
}
