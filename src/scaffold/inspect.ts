/**
 * Look at a downloaded file for `tczbuild new`: is it an archive the builder unpacks (tar,
 * compressed with gzip, xz, bzip2 or zstd, zip, or a .deb's data.tar: the builder's own format detection) and what
 * entries it holds, an executable (ELF or #!), or just data. Reads only headers: archive
 * contents are drained, never written anywhere.
 */
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import { decompress } from '../builder/archive/decompress.js';
import { debDataTar } from '../builder/archive/deb.js';
import { detectFormat, sniffLength, type ArchiveFormat } from '../builder/archive/format.js';
import { zipEntries } from '../builder/archive/zip.js';
import { readFileHead } from '../util/file-head.js';

export interface ListedEntry {
  readonly name: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly mode: number;
}

export type Inspection =
  | { readonly kind: 'archive'; readonly entries: readonly ListedEntry[]; readonly deb?: true }
  | { readonly kind: 'executable' }
  | { readonly kind: 'data' };

/** `env`: the run's environment, whose PATH has xz, bzip2 or zstd for a compressed tar. */
export async function inspectDownload(path: string, env: NodeJS.ProcessEnv): Promise<Inspection> {
  const head = await readFileHead(path, sniffLength);
  const format = detectFormat(head);
  // detectFormat takes anything unrecognised for an old tar; here only a real archive magic counts.
  const ustar = head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  if (format.kind === 'zip' || format.kind === 'deb' || (format.kind === 'tar' && (format.compression !== undefined || ustar))) {
    const entries = await listArchive(path, format, env).catch(() => undefined);
    if (entries) return { kind: 'archive', entries, ...(format.kind === 'deb' ? { deb: true as const } : {}) };
  }
  const elf = head[0] === 0x7f && head.subarray(1, 4).toString('latin1') === 'ELF';
  const script = head[0] === 0x23 && head[1] === 0x21;
  return elf || script ? { kind: 'executable' } : { kind: 'data' };
}

const listedType = (kind: string): ListedEntry['type'] => (kind === 'file' || kind === 'directory' || kind === 'symlink' ? kind : 'other');

async function listArchive(path: string, format: ArchiveFormat & { kind: 'tar' | 'zip' | 'deb' }, env: NodeJS.ProcessEnv): Promise<ListedEntry[]> {
  const entries: ListedEntry[] = [];
  if (format.kind === 'zip') {
    for await (const z of zipEntries(path)) entries.push({ name: z.nameBytes.toString('utf8').replace(/^\.\//, ''), type: listedType(z.kind), mode: z.mode });
    return entries;
  }
  const x = tarExtract();
  x.on('entry', (h, stream, next) => {
    entries.push({ name: h.name.replace(/^\.\//, ''), type: listedType(h.type === 'contiguous-file' ? 'file' : (h.type ?? 'file')), mode: h.mode ?? 0o644 });
    stream.on('end', next);
    stream.resume();
  });
  const deb = format.kind === 'deb' ? await debDataTar(path) : undefined;
  const d = deb ? decompress(path, deb.compression, env, deb.range) : decompress(path, format.kind === 'tar' ? format.compression : undefined, env);
  await (d.inflate ? pipeline(d.input, d.inflate, x) : pipeline(d.input, x));
  await d.finished;
  return entries;
}
