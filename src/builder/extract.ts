/**
 * Unpack a verified .tar/.tar.gz/.tgz into the staging tree, entry by entry, through
 * extract-plan's decisions, recording every placed path in the FileTable. Never follows a
 * link while writing, never writes outside the stage, never trusts the archive's owners.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header as Headers } from 'tar-stream';
import { fail } from '../diagnostics/errors.js';
import type { SourceSpec } from '../recipe/model.js';
import { placeEntry, type ArchiveEntry, type EntryKind } from './extract-plan.js';
import type { FileTable } from './file-table.js';
import { claimPath } from './claim.js';

/** 1 MiB buffers: with the 16-64 KiB defaults, unpacking is bound by round trips, not by inflate. */
const CHUNK = 1024 * 1024;

/** Refuse entries larger than this: a hostile header must not fill the build machine's disk. */
export const MAX_ENTRY_BYTES = 4 * 1024 ** 3;

export async function extractArchive(o: { archive: string; spec: SourceSpec; stageDir: string; table: FileTable }): Promise<string[]> {
  const extract = o.spec.extract ?? { strip: 0, into: '' };
  const placed: string[] = [];
  const at = o.spec.at;
  const x = tarExtract();
  x.on('entry', (header: Headers, stream, next) => {
    // A refused entry is never read; when x is destroyed mid-entry, tar-stream destroys the
    // entry stream with an error, and without a listener that error crashes the process.
    // The failure itself reaches us through the pipeline.
    stream.on('error', () => undefined);
    handle(header, stream as unknown as NodeJS.ReadableStream)
      .then(() => next())
      .catch((error: unknown) => x.destroy(error as Error));
  });
  const handle = async (header: Headers, stream: NodeJS.ReadableStream): Promise<void> => {
    const entry: ArchiveEntry = { name: header.name, kind: kindOf(header.type), rawType: header.type ?? 'unknown', mode: header.mode ?? 0o644, linkname: header.linkname ?? undefined };
    const p = placeEntry(entry, extract);
    if (p.action === 'refuse') fail(p.id, at, `${o.spec.id}: ${p.reason}`, 'the archive is not safe to unpack; check the source or its include: patterns');
    if (p.action === 'skip') return drain(stream);
    if ((header.size ?? 0) > MAX_ENTRY_BYTES) fail('archive-unsupported-entry', at, `${o.spec.id}: "${header.name}" declares ${header.size} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`);
    const dest = join(o.stageDir, p.path);
    if (p.kind === 'directory') {
      claimPath(o.table, p.path, { type: 'dir', mode: p.mode, uid: 0, gid: 0, origin: o.spec.id }, at);
      await mkdir(dest, { recursive: true });
      return drain(stream);
    }
    claimPath(o.table, p.path, p.kind === 'symlink' ? { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: p.linkTarget, origin: o.spec.id } : { type: 'file', mode: p.mode, uid: 0, gid: 0, origin: o.spec.id }, at);
    await mkdir(dirname(dest), { recursive: true });
    await rm(dest, { force: true });
    if (p.kind === 'symlink') {
      await symlink(p.linkTarget!, dest);
      await drain(stream);
    } else if (p.kind === 'link') {
      const linked = o.table.get(p.linkTarget!);
      if (linked?.type !== 'file') fail('archive-unsafe-entry', at, `${o.spec.id}: hard link "${header.name}" -> "${header.linkname}" does not name a file unpacked earlier from this archive`);
      // Hard links become independent copies: squashfs dedups identical content anyway.
      await copyFile(join(o.stageDir, p.linkTarget!), dest);
      await drain(stream);
    } else {
      await pipeline(stream, createWriteStream(dest, { flags: 'wx', highWaterMark: CHUNK }));
    }
    placed.push(p.path);
  };
  const input = createReadStream(o.archive, { highWaterMark: CHUNK });
  const gz = await isGzip(o.archive);
  try {
    await (gz ? pipeline(input, createGunzip({ chunkSize: CHUNK }), x) : pipeline(input, x));
  } catch (error) {
    if (error && typeof error === 'object' && 'diagnostics' in error) throw error;
    fail('archive-corrupt', at, `${o.spec.id}: cannot read the archive: ${(error as Error).message}`, 'the file matched its sha256, so the recipe pins a file that is not a valid tar/tar.gz; check extract: or the URL', error);
  }
  return placed;
}

function kindOf(type: Headers['type']): EntryKind {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'link';
    default:
      return 'other';
  }
}

async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  for await (const _ of stream) void _;
}

async function isGzip(path: string): Promise<boolean> {
  for await (const chunk of createReadStream(path, { start: 0, end: 1 })) {
    const b = chunk as Buffer;
    return b[0] === 0x1f && b[1] === 0x8b;
  }
  return false;
}
