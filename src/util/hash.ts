/** Stream a file once through several digests (md5 for TinyCore's .md5.txt, sha256 for provenance). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export async function digestFile(path: string): Promise<{ md5: string; sha256: string; size: number }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const b = chunk as Buffer;
    md5.update(b);
    sha.update(b);
    size += b.length;
  }
  return { md5: md5.digest('hex'), sha256: sha.digest('hex'), size };
}

/** sha256 and size of a file, streamed in 1 MiB reads. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}
