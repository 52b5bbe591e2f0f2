/**
 * Read a .tcz the way verify needs it: its entries with numeric owners (`unsquashfs -lln`),
 * its block size (`unsquashfs -s`), the ELF header and program interpreter of every regular
 * file and the text of its tce.installed hooks (from a temporary extraction, removed afterwards). Any unsquashfs failure becomes `error` instead of a throw,
 * so one broken image is a finding, not the end of the run. I/O only; no judgement.
 */
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTczError } from '../../diagnostics/errors.js';
import { runTool, type ToolResult } from '../../util/exec.js';
import { elfMagic, readElfInterpreter } from './elf.js';
import { readElfDynamic, type ElfDynamicInfo } from './elf-dynamic.js';
import { parseBlockSize, parseCompression, parseLongListing } from './listing.js';
import type { ImageInfo } from './types.js';

/** How verify starts unsquashfs and friends: runTool, or a shared Spawner when reading many images. */
export type RunTool = (file: string, args: readonly string[]) => Promise<ToolResult>;

export async function readImage(tczPath: string, run: RunTool = runTool): Promise<ImageInfo> {
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
    return { entries, blockSize, compression, ...(await readElfHeaders(tczPath, entries.filter((e) => e.type === 'file').map((e) => e.path), run)) };
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

async function readElfHeaders(tczPath: string, files: readonly string[], run: RunTool): Promise<FileFacts> {
  const elfHeaders = new Map<string, Buffer>();
  const elfInterpreters = new Map<string, string>();
  const hookTexts = new Map<string, string>();
  const hookSyntaxErrors = new Map<string, string>();
  const elfDynamic = new Map<string, ElfDynamicInfo>();
  const moduleVermagic = new Map<string, string>();
  if (files.length === 0) return { elfHeaders, elfInterpreters, hookTexts, hookSyntaxErrors, elfDynamic, moduleVermagic };
  const tmp = await mkdtemp(join(tmpdir(), 'tczbuild-verify-'));
  try {
    const root = join(tmp, 'root');
    await run('unsquashfs', ['-d', root, '-no-progress', '-no-xattrs', tczPath]);
    for (const rel of files) {
      const fh = await open(join(root, rel), 'r').catch(() => undefined);
      if (!fh) continue;
      try {
        const buf = Buffer.alloc(headBytes);
        const { bytesRead } = await fh.read(buf, 0, headBytes, 0);
        const head = buf.subarray(0, bytesRead);
        if (rel.startsWith(hookDir)) {
          hookTexts.set(rel, head.toString('utf8'));
          const syntax = await ashSyntax(join(root, rel));
          if (syntax !== undefined) hookSyntaxErrors.set(rel, syntax);
        }
        if (/\.ko(\.gz)?$/.test(rel)) moduleVermagic.set(rel, vermagicOf(await readFile(join(root, rel)), rel.endsWith('.gz')));
        if (bytesRead < 20 || !head.subarray(0, 4).equals(elfMagic)) continue;
        elfHeaders.set(rel, Buffer.from(head.subarray(0, 20)));
        const interp = readElfInterpreter(head);
        if (interp !== undefined) elfInterpreters.set(rel, interp);
        // the section headers sit at the end of the file: read it whole (one file at a time)
        const dynamic = readElfDynamic(bytesRead < headBytes ? head : await readFile(join(root, rel)));
        if (dynamic) elfDynamic.set(rel, dynamic);
      } finally {
        await fh.close();
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { elfHeaders, elfInterpreters, hookTexts, hookSyntaxErrors, elfDynamic, moduleVermagic };
}

/** What `busybox ash -n` (the shell tce-load runs the hook with) says about a script; undefined when clean or busybox is missing. */
async function ashSyntax(file: string): Promise<string | undefined> {
  try {
    await runTool('busybox', ['ash', '-n', file]);
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
