/**
 * Run the real mksquashfs over a staged tree, with ownership and modes from the FileTable, and
 * report the image's size and md5. The only caller of mksquashfs.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { digestFile } from '../util/hash.js';
import { runTool, type Env } from '../util/exec.js';
import type { Spawner } from '../util/spawner.js';
import { pseudoFileText, pseudoLines, type FileTable } from './file-table.js';
import { pseudoArgsUpTo, squashfsArgs } from './squashfs-args.js';

export interface PackedImage {
  readonly path: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
}

export async function packSquashfs(o: { stageDir: string; table: FileTable; outFile: string; epoch: number; processors?: number; spawner?: Spawner; env: Env }): Promise<PackedImage> {
  const lines = pseudoLines(o.table);
  const pseudoFile = lines.length > pseudoArgsUpTo ? `${o.outFile}.pseudo` : undefined;
  if (pseudoFile) writeFileSync(pseudoFile, pseudoFileText(lines)); // one per extension: no thread-pool round trip
  // mksquashfs refuses SOURCE_DATE_EPOCH together with -all-time; the epoch is already in the args.
  const args = squashfsArgs({ stageDir: o.stageDir, outFile: o.outFile, pseudo: pseudoFile ? { file: pseudoFile } : { lines }, epoch: o.epoch, processors: o.processors });
  // many extensions at once: through the build's spawner shells (util/spawner.ts), not a fork of Node each
  try {
    if (o.spawner) await o.spawner.runTool('mksquashfs', args);
    else await runTool('mksquashfs', args, { env: { ...o.env, SOURCE_DATE_EPOCH: undefined } });
  } finally {
    // removed here, beside the other builds, not with the work directory in the serial tail
    if (pseudoFile) rmSync(pseudoFile, { force: true });
  }
  const { md5, sha256, size } = await digestFile(o.outFile);
  return { path: o.outFile, size, md5, sha256 };
}

const versions = new Map<string, Promise<string>>();

/**
 * `mksquashfs -version`'s first line, asked once per process and PATH (the key and the
 * provenance both need it; a run with another PATH may find another mksquashfs).
 */
export function mksquashfsVersion(env: Env): Promise<string> {
  const path = env.PATH ?? '';
  let version = versions.get(path);
  if (version === undefined) {
    version = runTool('mksquashfs', ['-version'], { env }).then(({ stdout }) => (stdout.split('\n')[0] ?? '').trim());
    versions.set(path, version);
    // A failure (mksquashfs missing) must not stick: the next call asks again.
    version.catch(() => versions.delete(path));
  }
  return version;
}
