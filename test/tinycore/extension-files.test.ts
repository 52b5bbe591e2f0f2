import { describe, expect, it } from 'vitest';
import { extensionOfFile } from '../../src/tinycore/extension-files.js';

describe('extension files', () => {
  it('names the extension an image or one of its companions belongs to, exactly', () => {
    expect(['a.tcz', 'a.tcz.md5.txt', 'a.tcz.dep', 'a.tcz.info', 'a.tcz.list', 'a.tcz.zsync', 'a.tcz.tree', 'a.tcz.build.json'].map(extensionOfFile)).toEqual(Array(8).fill('a.tcz'));
    // a name that starts like another extension's is its own, not that one's
    expect(['a.tcz.tcz', 'a.tcz.tcz.dep', 'a-dev.tcz.info', 'python3.9.tcz.list'].map(extensionOfFile)).toEqual(['a.tcz.tcz', 'a.tcz.tcz', 'a-dev.tcz', 'python3.9.tcz']);
    expect(['md5.db', 'dep.db.gz', 'a.tcz.bak', 'a.tcz.md5', 'tcz', '.tcz'].map(extensionOfFile)).toEqual(Array(6).fill(undefined));
  });
});
