/**
 * Look at a downloaded file for `tczbuild new`: is it a tar/tar.gz archive (and what entries
 * does it hold), an executable (ELF or #!), or just data. Reads only headers: archive contents
 * are drained, never written anywhere.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { readFileHead } from '../util/file-head.js';

export interface ListedEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly mode: number;
}

export type Inspection =
  | { readonly kind: 'archive'; readonly entries: readonly ListedEntry[] }
  | { readonly kind: 'executable' }
  | { readonly kind: 'data' };

export async function inspectDownload(path: string): Promise<Inspection> {
  const head = await readFileHead(path, 512);
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const tar = head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  if (gz || tar) {
    const entries = await listTar(path, gz).catch(() => undefined);
    if (entries) return { kind: 'archive', entries };
  }
  const elf = head[0] === 0x7f && head.subarray(1, 4).toString('latin1') === 'ELF';
  const script = head[0] === 0x23 && head[1] === 0x21;
  return elf || script ? { kind: 'executable' } : { kind: 'data' };
}

async function listTar(path: string, gz: boolean): Promise<ListedEntry[]> {
  const entries: ListedEntry[] = [];
  const x = tarExtract();
  x.on('entry', (h, stream, next) => {
    const type = h.type === 'file' || h.type === 'contiguous-file' ? 'file' : h.type === 'directory' || h.type === 'symlink' ? h.type : 'other';
    entries.push({ name: h.name.replace(/^\.\//, ''), type, mode: h.mode ?? 0o644 });
    stream.on('end', next);
    stream.resume();
  });
  const input = createReadStream(path);
  await (gz ? pipeline(input, createGunzip(), x) : pipeline(input, x));
  return entries;
}
