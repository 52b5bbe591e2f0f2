/**
 * The mksquashfs command line for a TinyCore extension: 4 KiB blocks, no xattrs, gzip (the
 * compressor every TinyCore kernel reads), every timestamp pinned to the build epoch and every
 * owner and mode taken from the pseudo definitions. Pure.
 */

export interface PackOptions {
  readonly stageDir: string;
  readonly outFile: string;
  /** The owner and mode of every path: pseudo definitions in a file, or given one by one (-p). */
  readonly pseudo: { readonly file: string } | { readonly lines: readonly string[] };
  /** Seconds since the epoch for every inode and the superblock. */
  readonly epoch: number;
  readonly processors?: number;
}

export function squashfsArgs(o: PackOptions): string[] {
  return [
    o.stageDir,
    o.outFile,
    '-noappend',
    '-b', '4k',
    '-no-xattrs',
    '-comp', 'gzip',
    '-all-time', String(o.epoch),
    '-mkfs-time', String(o.epoch),
    '-root-mode', '0755',
    '-root-uid', '0',
    '-root-gid', '0',
    ...('file' in o.pseudo ? ['-pf', o.pseudo.file] : o.pseudo.lines.flatMap((l) => ['-p', l])),
    // mksquashfs sizes its caches to a quarter of RAM by default (~150 MB RSS for 150 MB of
    // binaries); 128M keeps the build within its memory target at no measured CPU cost.
    '-mem', '128M',
    '-no-progress',
    '-quiet',
    ...(o.processors ? ['-processors', String(o.processors)] : []),
  ];
}

/**
 * Up to this many definitions are given on the command line (-p, parsed as a pseudo file's line
 * is, so the image is the same): a pseudo file was one more inode to make and remove per
 * extension, and on ext4 without a journal each allocation skips every inode freed in the last
 * half minute.
 */
export const pseudoArgsUpTo = 64;

/**
 * Below this much file data an image is packed by one mksquashfs thread: a few hundred 4 KiB
 * blocks compress in milliseconds, less than its extra threads cost to start and hand blocks
 * between (200 one-file images: 23 vs 29 ms of CPU each). Many small images are built side by
 * side, which is where the cores go; a large one gets them all. The bytes are the same either
 * way (mksquashfs writes blocks in order whatever the thread count).
 */
export const singleThreadBelowBytes = 1 << 20;

/** `-processors` for an image of `bytes` of file data: 1 for a small one, mksquashfs's default (every core) otherwise. */
export function processorsFor(bytes: number): number | undefined {
  return bytes < singleThreadBelowBytes ? 1 : undefined;
}
