import { describe, expect, it } from 'vitest';
import { humanSize, renderDep, renderInfo, renderList, renderMd5Txt } from '../../src/builder/companions.js';
import { FileTable, listedPaths, renderPseudoFile } from '../../src/builder/file-table.js';

describe('companions', () => {
  it('writes md5.txt exactly as md5sum prints it', () => {
    expect(renderMd5Txt('faasd.tcz', 'd41d8cd98f00b204e9800998ecf8427e')).toBe('d41d8cd98f00b204e9800998ecf8427e  faasd.tcz\n');
  });

  it('writes no .dep without dependencies, else NAME.tcz per line with LF', () => {
    expect(renderDep([])).toBeUndefined();
    expect(renderDep(['containerd', 'overlayfs-KERNEL', 'iptables.tcz'])).toBe('containerd.tcz\noverlayfs-KERNEL.tcz\niptables.tcz\n');
  });

  it('sizes like du -h', () => {
    expect(humanSize(4096)).toBe('4.0K');
    expect(humanSize(90_000)).toBe('88K');
    expect(humanSize(2_400_000)).toBe('2.3M');
    expect(humanSize(88_000_000)).toBe('84M');
  });

  it('writes all twelve .info fields in TinyCore order', async () => {
    const info = renderInfo(
      {
        title: 'demo.tcz',
        description: 'A demo',
        version: '1.0',
        author: 'Someone',
        originalSite: 'https://example.invalid',
        copyingPolicy: 'MIT',
        extensionBy: 'tczbuild',
        tags: ['a', 'b'],
        comments: 'line one\nline two',
        changeLog: '1.0: first\n0.9: older',
      },
      90_000,
    );
    expect(info.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.split(':')[0])).toEqual([
      'Title', 'Description', 'Version', 'Author', 'Original-site', 'Copying-policy', 'Size', 'Extension_by', 'Tags', 'Comments', 'Change-log', 'Current',
    ]);
    await expect(info).toMatchFileSnapshot('golden/demo.tcz.info');
  });

  it('lists files and links, sorted, never directories', () => {
    const t = new FileTable();
    t.set('usr/local/bin/b', { type: 'file', mode: 0o755, uid: 0, gid: 0, origin: 't' });
    t.set('usr/local/bin/a', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: 'b', origin: 't' });
    t.set('usr/local/tce.installed/demo', { type: 'file', mode: 0o775, uid: 0, gid: 50, origin: 't' });
    expect(renderList(listedPaths(t))).toBe('usr/local/bin/a\nusr/local/bin/b\nusr/local/tce.installed/demo\n');
  });
});

describe('FileTable', () => {
  it('creates parent directories root:root 0755, tce.installed root:staff 0775', () => {
    const t = new FileTable();
    t.set('usr/local/tce.installed/demo', { type: 'file', mode: 0o775, uid: 0, gid: 50, origin: 't' });
    expect(renderPseudoFile(t)).toBe(
      ['usr m 0755 0 0', 'usr/local m 0755 0 0', 'usr/local/tce.installed m 0775 0 50', 'usr/local/tce.installed/demo m 0775 0 50', ''].join('\n'),
    );
  });

  it('finds a symlink ancestor (the tar-slip path)', () => {
    const t = new FileTable();
    t.set('usr/evil', { type: 'symlink', mode: 0o777, uid: 0, gid: 0, target: '/etc', origin: 't' });
    expect(t.symlinkAncestor('usr/evil/passwd')).toBe('usr/evil');
  });
});
