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
    '-no-progress',
    '-quiet',
    ...(o.processors ? ['-processors', String(o.processors)] : []),
  ];
}
