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
import { runTool } from '../../util/exec.js';
import { elfMagic, readElfInterpreter } from './elf.js';
import { readElfDynamic, type ElfDynamicInfo } from './elf-dynamic.js';
import { parseBlockSize, parseCompression, parseLongListing } from './listing.js';
import type { ImageInfo } from './types.js';

export async function readImage(tczPath: string): Promise<ImageInfo> {
  let listing: string;
  let summary: string;
  try {
    listing = (await runTool('unsquashfs', ['-lln', '-d', '', tczPath])).stdout;
    summary = (await runTool('unsquashfs', ['-s', tczPath])).stdout;
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
    return { entries, blockSize, compression, ...(await readElfHeaders(tczPath, entries.filter((e) => e.type === 'file').map((e) => e.path))) };
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

async function readElfHeaders(tczPath: string, files: readonly string[]): Promise<FileFacts> {
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
    await runTool('unsquashfs', ['-d', root, '-no-progress', '-no-xattrs', tczPath]);
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
