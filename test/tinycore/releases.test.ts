import { describe, expect, it } from 'vitest';
import { compareGlibc, findRelease, highestGlibc, tinyCoreReleases } from '../../src/tinycore/releases.js';

describe('TinyCore releases table', () => {
  it('knows the kernels and glibc the issue and the release notes give', () => {
    expect(findRelease('11', 'x86_64')).toMatchObject({ kernel: '5.4.3-tinycore64', glibc: '2.30', loader: '/lib/ld-linux-x86-64.so.2' });
    expect(findRelease('15.x', 'x86_64')).toMatchObject({ kernel: '6.6.8-tinycore64', glibc: '2.38' });
    expect(findRelease(16, 'x86_64')).toMatchObject({ kernel: '6.12.11-tinycore64', glibc: '2.40' });
    expect(findRelease('17.0', 'x86_64')).toMatchObject({ kernel: '6.18.2-tinycore64', glibc: '2.42' });
    expect(findRelease('11', 'x86')).toMatchObject({ kernel: '5.4.3-tinycore', loader: '/lib/ld-linux.so.2' });
    expect(findRelease('12', 'x86_64')?.glibc).toBe('unknown');
    expect(findRelease('10', 'x86_64')).toBeUndefined();
    expect(findRelease('11', 'aarch64')).toBeUndefined();
  });

  it('lists glibc libraries as base and GCC runtime as uncertain, never both', () => {
    for (const r of tinyCoreReleases) {
      expect(r.baseLibs).toContain('libc.so.6');
      expect(r.baseLibs).toContain(r.loader.split('/').pop());
      expect(r.uncertainLibs).toContain('libstdc++.so.6');
      expect(r.baseLibs.filter((l) => r.uncertainLibs.includes(l))).toEqual([]);
    }
    expect(findRelease('11', 'x86_64')!.baseLibs).toContain('libcrypt.so.1');
    expect(findRelease('17', 'x86_64')!.uncertainLibs).toContain('libcrypt.so.1');
  });

  it('compares glibc versions numerically, not as strings', () => {
    expect(compareGlibc('2.9', '2.30')).toBe(-1);
    expect(compareGlibc('2.34', '2.34')).toBe(0);
    expect(highestGlibc(['GLIBC_2.2.5', 'GLIBC_2.34', 'GLIBC_2.4', 'GLIBC_PRIVATE', 'GCC_3.0'])).toBe('2.34');
    expect(highestGlibc(['GCC_3.0'])).toBeUndefined();
  });
});
