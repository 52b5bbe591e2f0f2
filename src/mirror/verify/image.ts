/**
 * Read a .tcz the way verify needs it: its entries with numeric owners (`unsquashfs -lln`),
 * its block size (`unsquashfs -s`), the ELF header and program interpreter of every regular
 * file and the text of its tce.installed hooks (from a temporary extraction, removed afterwards). Any unsquashfs failure becomes `error` instead of a throw,
 * so one broken image is a finding, not the end of the run. I/O only; no judgement.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTczError } from '../../diagnostics/errors.js';
import { runTool } from '../../util/exec.js';
import { elfMagic, readElfInterpreter } from './elf.js';
import { parseBlockSize, parseLongListing } from './listing.js';
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
  try {
    return { entries, blockSize, ...(await readElfHeaders(tczPath, entries.filter((e) => e.type === 'file').map((e) => e.path))) };
  } catch (error) {
    if (!isTczError(error)) throw error;
    // the listing is good, so the ownership checks still run; only the ELF check cannot
    return { entries, blockSize, elfHeaders: new Map(), elfInterpreters: new Map(), hookTexts: new Map(), elfError: error.diagnostics[0]?.message ?? 'unsquashfs failed' };
  }
}

/** Enough of a file to hold its program headers and PT_INTERP in any binary linkers produce. */
const headBytes = 64 * 1024;
const hookDir = 'usr/local/tce.installed/';

async function readElfHeaders(tczPath: string, files: readonly string[]): Promise<Pick<ImageInfo, 'elfHeaders' | 'elfInterpreters' | 'hookTexts'>> {
  const elfHeaders = new Map<string, Buffer>();
  const elfInterpreters = new Map<string, string>();
  const hookTexts = new Map<string, string>();
  if (files.length === 0) return { elfHeaders, elfInterpreters, hookTexts };
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
        if (rel.startsWith(hookDir)) hookTexts.set(rel, head.toString('utf8'));
        if (bytesRead < 20 || !head.subarray(0, 4).equals(elfMagic)) continue;
        elfHeaders.set(rel, Buffer.from(head.subarray(0, 20)));
        const interp = readElfInterpreter(head);
        if (interp !== undefined) elfInterpreters.set(rel, interp);
      } finally {
        await fh.close();
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { elfHeaders, elfInterpreters, hookTexts };
}
