import { describe, expect, it } from 'vitest';
import { chunkPool } from '../../src/mirror/chunk-pool.js';

describe('chunkPool', () => {
  it('hands out disjoint chunks, reuses released ones and opens a new slab only when one is full', () => {
    const pool = chunkPool(4, 12); // three 4-byte chunks per slab
    const a = pool.take();
    const b = pool.take();
    const c = pool.take();
    for (const [i, ch] of [a, b, c].entries()) ch.buf.fill(i + 1);
    expect([a, b, c].map((ch) => [...ch.buf])).toEqual([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
    expect(a.buf.buffer).toBe(c.buf.buffer); // one slab so far
    const d = pool.take();
    expect(d.buf.buffer).not.toBe(a.buf.buffer); // the first slab was full
    b.release();
    b.release(); // a second release is ignored, not a double free
    const e = pool.take();
    const f = pool.take();
    expect(e.buf.buffer).toBe(a.buf.buffer);
    expect(e.buf.byteOffset).toBe(b.buf.byteOffset);
    expect(f.buf.buffer).toBe(d.buf.buffer);
  });
});
