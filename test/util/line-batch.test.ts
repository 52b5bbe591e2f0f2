import { describe, expect, it } from 'vitest';
import { lineBatcher } from '../../src/util/line-batch.js';

describe('lineBatcher', () => {
  it('hands the lines of one event-loop turn on together, in order, and the next turn\'s apart', async () => {
    const writes: string[] = [];
    const log = lineBatcher((text) => writes.push(text));
    log('a');
    log('b');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    log('c');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb', 'c']);
  });
});
