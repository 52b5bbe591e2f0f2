/**
 * Run the real mksquashfs over a staged tree, with ownership and modes from the FileTable, and
 * report the image's size and md5. The only caller of mksquashfs.
 */
import { writeFile } from 'node:fs/promises';
import { digestFile } from '../util/hash.js';
import { runTool } from '../util/exec.js';
import type { Spawner } from '../util/spawner.js';
import { renderPseudoFile, type FileTable } from './file-table.js';
import { squashfsArgs } from './squashfs-args.js';

export interface PackedImage {
  readonly path: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
}

export async function packSquashfs(o: { stageDir: string; table: FileTable; outFile: string; epoch: number; processors?: number; spawner?: Spawner }): Promise<PackedImage> {
  const pseudoFile = `${o.outFile}.pseudo`;
  await writeFile(pseudoFile, renderPseudoFile(o.table));
  // mksquashfs refuses SOURCE_DATE_EPOCH together with -all-time; the epoch is already in the args.
  const args = squashfsArgs({ stageDir: o.stageDir, outFile: o.outFile, pseudoFile, epoch: o.epoch, processors: o.processors });
  // many extensions at once: through the build's spawner shells (util/spawner.ts), not a fork of Node each
  if (o.spawner) await o.spawner.runTool('mksquashfs', args);
  else await runTool('mksquashfs', args, { env: { SOURCE_DATE_EPOCH: undefined } });
  const { md5, sha256, size } = await digestFile(o.outFile);
  return { path: o.outFile, size, md5, sha256 };
}

let version: Promise<string> | undefined;

/** `mksquashfs -version`'s first line, asked once per process (the key and the provenance both need it). */
export function mksquashfsVersion(): Promise<string> {
  version ??= runTool('mksquashfs', ['-version']).then(({ stdout }) => (stdout.split('\n')[0] ?? '').trim());
  // A failure (mksquashfs missing) must not stick: the next call asks again.
  version.catch(() => (version = undefined));
  return version;
}
