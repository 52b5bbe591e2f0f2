import { describe, expect, it } from 'vitest';
import { climbsOut, placeEntry, type ArchiveEntry } from '../../src/builder/extract-plan.js';

const file = (name: string, mode = 0o644): ArchiveEntry => ({ name, kind: 'file', rawType: 'file', mode });
const plain = { strip: 0, into: '' };

describe('placeEntry', () => {
  it('strips leading components and lands under into', () => {
    expect(placeEntry(file('bin/ctr', 0o775), { strip: 1, into: 'usr/local/bin' })).toEqual({ action: 'place', path: 'usr/local/bin/ctr', kind: 'file', mode: 0o755 });
  });

  it('normalizes modes: any exec bit → 0755, otherwise 0644', () => {
    expect(placeEntry(file('a', 0o700), plain)).toMatchObject({ mode: 0o755 });
    expect(placeEntry(file('a', 0o666), plain)).toMatchObject({ mode: 0o644 });
  });

  it('skips what strip removes entirely', () => {
    expect(placeEntry({ name: 'bin/', kind: 'directory', rawType: 'directory', mode: 0o755 }, { strip: 1, into: '' })).toEqual({ action: 'skip' });
  });

  it.each([
    ['../escape', '".."'],
    ['a/../../escape', '".."'],
    ['/etc/passwd', 'absolute'],
  ])('refuses %s', (name, why) => {
    const p = placeEntry(file(name), plain);
    expect(p).toMatchObject({ action: 'refuse', id: 'archive-unsafe-entry' });
    expect(p.action === 'refuse' && p.reason).toContain(why);
  });

  it('refuses device files and fifos', () => {
    expect(placeEntry({ name: 'dev/sda', kind: 'other', rawType: 'block-device', mode: 0o600 }, plain)).toMatchObject({ action: 'refuse', id: 'archive-unsupported-entry' });
  });

  it('refuses symlinks that climb above the image root, keeps absolute ones', () => {
    expect(placeEntry({ name: 'usr/bin/x', kind: 'symlink', rawType: 'symlink', mode: 0o777, linkname: '../../../etc/shadow' }, plain)).toMatchObject({ action: 'refuse' });
    expect(placeEntry({ name: 'usr/bin/x', kind: 'symlink', rawType: 'symlink', mode: 0o777, linkname: '/usr/local/bin/y' }, plain)).toMatchObject({ action: 'place', linkTarget: '/usr/local/bin/y' });
  });

  it('refuses hard links to names outside the archive tree', () => {
    expect(placeEntry({ name: 'a', kind: 'link', rawType: 'link', mode: 0o644, linkname: '../../etc/passwd' }, plain)).toMatchObject({ action: 'refuse', id: 'archive-unsafe-entry' });
  });

  it('keeps only included paths (and their directories)', () => {
    const e = { strip: 0, into: 'opt/cni/bin', include: ['bridge', 'host-*'] };
    expect(placeEntry(file('bridge'), e)).toMatchObject({ action: 'place', path: 'opt/cni/bin/bridge' });
    expect(placeEntry(file('host-local'), e)).toMatchObject({ action: 'place' });
    expect(placeEntry(file('vlan'), e)).toEqual({ action: 'skip' });
  });

  it('drops excluded paths', () => {
    expect(placeEntry(file('bin/containerd-stress'), { strip: 0, into: '', exclude: ['bin/*-stress'] })).toEqual({ action: 'skip' });
  });
});

describe('climbsOut', () => {
  it('allows links that stay inside', () => {
    expect(climbsOut('usr/local/bin/a', '../lib/b')).toBe(false);
    expect(climbsOut('usr/local/bin/a', 'b')).toBe(false);
  });
  it('catches links that leave', () => {
    expect(climbsOut('a', '../b')).toBe(true);
    expect(climbsOut('usr/a', 'x/../../../b')).toBe(true);
  });
});
