import { describe, expect, it } from 'vitest';
import { majorOf, parseTczRelPath, tczUrlPath } from '../../src/mirror/layout.js';

describe('mirror layout', () => {
  it('maps a release to its tree and back', () => {
    expect(majorOf('17.1')).toBe('17');
    expect(tczUrlPath('17.x', 'x86_64')).toBe('/17.x/x86_64/tcz/');
    expect(parseTczRelPath(['out', '17.x', 'aarch64', 'tcz'])).toEqual({ tcVersion: '17', arch: 'aarch64' });
    expect(parseTczRelPath(['out', '17.x', 'sparc', 'tcz'])).toBeUndefined();
  });
});
