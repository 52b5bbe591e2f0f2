/**
 * Run the real mksquashfs over a staged tree, with ownership and modes from the FileTable, and
 * report the image's size and md5. The only caller of mksquashfs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { runTool } from '../util/exec.js';
import { renderPseudoFile, type FileTable } from './file-table.js';
import { squashfsArgs } from './squashfs-args.js';

export interface PackedImage {
  readonly path: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
}

export async function packSquashfs(o: { stageDir: string; table: FileTable; outFile: string; epoch: number; processors?: number }): Promise<PackedImage> {
  const pseudoFile = `${o.outFile}.pseudo`;
  await writeFile(pseudoFile, renderPseudoFile(o.table));
  await runTool('mksquashfs', squashfsArgs({ stageDir: o.stageDir, outFile: o.outFile, pseudoFile, epoch: o.epoch, processors: o.processors }));
  const { md5, sha256 } = await hashFile(o.outFile);
  return { path: o.outFile, size: (await stat(o.outFile)).size, md5, sha256 };
}

export async function hashFile(path: string): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  for await (const chunk of createReadStream(path)) {
    md5.update(chunk as Buffer);
    sha.update(chunk as Buffer);
  }
  return { md5: md5.digest('hex'), sha256: sha.digest('hex') };
}

export async function mksquashfsVersion(): Promise<string> {
  const { stdout } = await runTool('mksquashfs', ['-version']);
  return (stdout.split('\n')[0] ?? '').trim();
}
