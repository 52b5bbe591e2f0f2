import { describe, expect, it } from 'vitest';
import { chooseEntriesToDrop } from '../../../src/builder/output-cache/prune.js';
import { parseSize } from '../../../src/recipe/sizes.js';

const day = 86_400_000;
const now = 100 * day;
const blob = (c: string, size: number): { sha256: string; size: number } => ({ sha256: c.repeat(64), size });

describe('pruning the output cache', () => {
  it('drops entries unused for longer than the age bound', () => {
    const r = chooseEntriesToDrop(
      [
        { key: 'old', usedMs: now - 31 * day, blobs: [blob('a', 10)] },
        { key: 'new', usedMs: now - day, blobs: [blob('b', 10)] },
      ],
      { nowMs: now, maxAgeMs: 30 * day, maxBytes: 1000 },
    );
    expect(r.drop).toEqual(['old']);
    expect([...r.keptBlobs]).toEqual(['b'.repeat(64)]);
  });

  it('then keeps the most recently used entries that fit, counting a shared blob once', () => {
    const r = chooseEntriesToDrop(
      [
        { key: 'oldest', usedMs: now - 3 * day, blobs: [blob('c', 60)] },
        { key: 'middle', usedMs: now - 2 * day, blobs: [blob('a', 50), blob('b', 40)] },
        { key: 'newest', usedMs: now - day, blobs: [blob('a', 50)] },
      ],
      { nowMs: now, maxAgeMs: 30 * day, maxBytes: 100 },
    );
    expect(r.drop).toEqual(['oldest']);
    expect(r.keptBytes).toBe(90);
  });

  it('reads sizes as clean --max-size takes them', () => {
    expect(parseSize('10G')).toBe(10 * 1024 ** 3);
    expect(parseSize('500M')).toBe(500 * 1024 ** 2);
    expect(parseSize('1.5K')).toBe(1536);
    expect(parseSize('2048')).toBe(2048);
    expect(parseSize('ten')).toBeUndefined();
  });
});
