/**
 * The box watches (around each install) every base-system directory whose owner and mode
 * images are held to: one list is derived from the other, so they cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import { baseDirectories } from '../../src/box/guest-script.js';
import { baseDirs } from '../../src/tinycore/base-system.js';

describe('the box\'s base directories', () => {
  it('include every directory of the base-system table, once each', () => {
    for (const d of baseDirs) expect(baseDirectories).toContain(`/${d.path}`);
    expect(new Set(baseDirectories).size).toBe(baseDirectories.length);
  });
});
