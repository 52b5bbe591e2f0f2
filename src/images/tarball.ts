/**
 * Write a planned image layout as an uncompressed tar, byte-reproducibly: entries in the
 * planned (sorted) order, mtime 0, uid/gid 0, no user or group names, fixed modes, blob bytes
 * streamed from the cache. The file appears at `outPath` only when complete (temp + rename).
 * It decides nothing about the contents (see layout.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { pack, type Header, type Pack } from 'tar-stream';
import type { SourceCache } from '../builder/fetch/source-cache.js';
import type { LayoutEntry } from './layout.js';

const epoch = new Date(0);

export async function writeImageTarball(entries: readonly LayoutEntry[], cache: SourceCache, outPath: string): Promise<void> {
  const tmp = `${outPath}.part`;
  const archive = pack();
  try {
    await Promise.all([pipeline(archive, createWriteStream(tmp, { mode: 0o644 })), addEntries(archive, entries, cache)]);
    await rename(tmp, outPath);
  } catch (error) {
    archive.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
}

async function addEntries(archive: Pack, entries: readonly LayoutEntry[], cache: SourceCache): Promise<void> {
  for (const e of entries) {
    if (e.type === 'directory') await addBuffer(archive, header(e.name, 'directory', 0o755, 0), Buffer.alloc(0));
    else if (e.type === 'file') await addBuffer(archive, header(e.name, 'file', 0o644, e.bytes.length), e.bytes);
    else await addStream(archive, header(e.name, 'file', 0o644, e.size), cache.pathFor(e.sha256));
  }
  archive.finalize();
}

function header(name: string, type: 'file' | 'directory', mode: number, size: number): Header {
  return { name, type, mode, size, mtime: epoch, uid: 0, gid: 0, uname: '', gname: '', linkname: '', devmajor: 0, devminor: 0 };
}

function addBuffer(archive: Pack, h: Header, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => void archive.entry(h, body, (err) => (err ? reject(err) : resolve())));
}

/** tar-stream fails the entry itself if the file's length differs from the header's size. */
async function addStream(archive: Pack, h: Header, path: string): Promise<void> {
  let sink: NodeJS.WritableStream | undefined;
  const entryDone = new Promise<void>((resolve, reject) => {
    sink = archive.entry(h, (err) => (err ? reject(err) : resolve()));
  });
  await Promise.all([pipeline(createReadStream(path), sink!), entryDone]);
}
