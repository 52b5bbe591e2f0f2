/**
 * Reading a small regular file in place. Through the thread pool, a file's open, stat, reads and
 * close are a round trip each (two thread wake-ups), paid per small source a build verifies, per
 * small image it packs and per image its gate reads back: thousands of them for a repository of
 * small extensions. Up to this size one readFileSync costs less than those round trips and holds
 * the event loop for a millisecond at most.
 */
import { readFileSync, statSync } from 'node:fs';

export const readInPlaceUpTo = 256 << 10;

/**
 * The bytes of `path` when it is a regular file of at most `upTo` bytes, read in one call;
 * undefined for a larger file or anything that is not a regular file (a FIFO or a device would
 * block the event loop), which the caller reads the general way. A missing file throws ENOENT.
 */
export function readIfSmall(path: string, upTo = readInPlaceUpTo): Buffer | undefined {
  const st = statSync(path);
  if (!st.isFile() || st.size > upTo) return undefined;
  return readFileSync(path);
}
