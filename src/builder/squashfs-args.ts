/**
 * The mksquashfs command line for a TinyCore extension: 4 KiB blocks, no xattrs, gzip (the
 * compressor every TinyCore kernel reads), every timestamp pinned to the build epoch and every
 * owner and mode taken from the pseudo file. Pure.
 */

export interface PackOptions {
  readonly stageDir: string;
  readonly outFile: string;
  readonly pseudoFile: string;
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
    '-pf', o.pseudoFile,
    // mksquashfs sizes its caches to a quarter of RAM by default (~150 MB RSS for 150 MB of
    // binaries); 128M keeps the build within its memory target at no measured CPU cost.
    '-mem', '128M',
    '-no-progress',
    '-quiet',
    ...(o.processors ? ['-processors', String(o.processors)] : []),
  ];
}
