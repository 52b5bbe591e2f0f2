/**
 * Read a .tcz the way verify needs it: its entries with numeric owners (`unsquashfs -lln`),
 * its block size (`unsquashfs -s`) and the ELF header of every regular file (from a temporary
 * extraction, removed afterwards). Any unsquashfs failure becomes `error` instead of a throw,
 * so one broken image is a finding, not the end of the run. I/O only; no judgement.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTczError } from '../../diagnostics/errors.js';
import { runTool } from '../../util/exec.js';
import { elfMagic } from './elf.js';
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
      return { error: error.diagnostics[0].message.split('\n').slice(-1)[0] ?? 'unsquashfs failed', entries: [], elfHeaders: new Map() };
    }
    throw error;
  }
  const entries = parseLongListing(listing);
  const blockSize = parseBlockSize(summary);
  try {
    return { entries, blockSize, elfHeaders: await readElfHeaders(tczPath, entries.filter((e) => e.type === 'file').map((e) => e.path)) };
  } catch (error) {
    if (!isTczError(error)) throw error;
    // the listing is good, so the ownership checks still run; only the ELF check cannot
    return { entries, blockSize, elfHeaders: new Map(), elfError: error.diagnostics[0]?.message ?? 'unsquashfs failed' };
  }
}

async function readElfHeaders(tczPath: string, files: readonly string[]): Promise<Map<string, Buffer>> {
  const headers = new Map<string, Buffer>();
  if (files.length === 0) return headers;
  const tmp = await mkdtemp(join(tmpdir(), 'tczbuild-verify-'));
  try {
    const root = join(tmp, 'root');
    await runTool('unsquashfs', ['-d', root, '-no-progress', '-no-xattrs', tczPath]);
    for (const rel of files) {
      const fh = await open(join(root, rel), 'r').catch(() => undefined);
      if (!fh) continue;
      try {
        const buf = Buffer.alloc(20);
        const { bytesRead } = await fh.read(buf, 0, 20, 0);
        if (bytesRead === 20 && buf.subarray(0, 4).equals(elfMagic)) headers.set(rel, buf);
      } finally {
        await fh.close();
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return headers;
}
