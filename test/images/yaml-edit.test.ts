import { describe, expect, it } from 'vitest';
import { insertMissing, setScalars } from '../../src/images/pin/yaml-edit.js';

const text = `# top comment
images:
  # first
  - ref: docker.io/a/b:1   # trailing
    digest: unpinned # pin me
  - ref: docker.io/a/c:1
    digest: "unpinned"
  - {ref: docker.io/a/d:1, digest: 'unpinned'}
sources:
  - url: http://127.0.0.1/x.tgz # no hash yet
    extract: { strip: 1 }
  - id: y
    url: http://127.0.0.1/y
    sha256: unpinned
`;

describe('setScalars', () => {
  it('replaces only the scalars, keeping quotes, comments and everything else', () => {
    const out = setScalars(text, [
      { path: ['images', 0, 'digest'], value: 'sha256:1' },
      { path: ['images', 1, 'digest'], value: 'sha256:2' },
      { path: ['images', 2, 'digest'], value: 'sha256:3' },
    ]);
    expect(out).toBe(
      text.replace('digest: unpinned # pin me', 'digest: sha256:1 # pin me').replace('"unpinned"', '"sha256:2"').replace("'unpinned'", "'sha256:3'"),
    );
  });

  it('refuses a path that is not a scalar', () => {
    expect(() => setScalars(text, [{ path: ['images', 0], value: 'x' }])).toThrow('no scalar at images.0');
  });
});

describe('insertMissing', () => {
  it('adds sha256: unpinned after url: in block entries that lack it, at the same indentation', () => {
    expect(insertMissing(text, 'sources', 'url', 'sha256')).toBe(
      text.replace('# no hash yet\n', '# no hash yet\n    sha256: unpinned\n'),
    );
  });

  it('leaves entries that have the key, flow entries, and absent sections alone', () => {
    expect(insertMissing(text, 'images', 'ref', 'digest')).toBe(text);
    expect(insertMissing('name: x\n', 'images', 'ref', 'digest')).toBe('name: x\n');
  });

  it('copes with a file that ends without a newline', () => {
    expect(insertMissing('images:\n  - ref: a/b:1', 'images', 'ref', 'digest')).toBe('images:\n  - ref: a/b:1\n    digest: unpinned\n');
  });
});
