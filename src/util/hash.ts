/** Stream a file once through several digests (md5 for TinyCore's .md5.txt, sha256 for provenance). */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { readIfSmall } from './small-file.js';

export async function digestFile(path: string): Promise<{ md5: string; sha256: string; size: number }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const size = await eachPiece(path, (b) => {
    md5.update(b);
    sha.update(b);
  });
  return { md5: md5.digest('hex'), sha256: sha.digest('hex'), size };
}

/**
 * sha256 and size of a file, read in 1 MiB pieces, or in one read of its size when it is
 * smaller: a build re-hashes every cached source, and a 1 MiB buffer per 3 KB file (3,000 of
 * them) was gigabytes of short-lived buffers that kept the process's memory high.
 */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  const size = await eachPiece(path, (b) => void hash.update(b));
  return { sha256: hash.digest('hex'), size };
}

/** Hand a file's bytes to `use` in pieces of at most 1 MiB through one buffer; resolves the byte count. */
async function eachPiece(path: string, use: (piece: Buffer) => void): Promise<number> {
  const small = readIfSmall(path);
  if (small) {
    use(small);
    return small.length;
  }
  const fh = await open(path, 'r');
  let size = 0;
  try {
    // one byte over the size, so a file that has not grown is read in one call plus the 0 that ends it
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, (await fh.stat()).size + 1));
    for (let n = -1; n !== 0; size += n) {
      ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      if (n > 0) use(buf.subarray(0, n));
    }
  } finally {
    await fh.close();
  }
  return size;
}
