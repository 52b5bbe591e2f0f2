import { describe, expect, it } from 'vitest';
import { candidatesFor, locationOf, urlBasename } from '../../../src/builder/fetch/locations.js';

const hex = 'a'.repeat(64);

describe('candidatesFor', () => {
  it('tries each mirror by hash then by name, in the order given, then upstream', () => {
    const list = candidatesFor('https://example.invalid/rel/v1.0/demo-1.0.tar.gz', hex, ['http://m1/base/', '/srv/mirror']);
    expect(list.map((c) => [c.where, c.upstream])).toEqual([
      [{ kind: 'url', url: `http://m1/base/sha256/${hex}` }, false],
      [{ kind: 'url', url: 'http://m1/base/demo-1.0.tar.gz' }, false],
      [{ kind: 'path', path: `/srv/mirror/sha256/${hex}` }, false],
      [{ kind: 'path', path: '/srv/mirror/demo-1.0.tar.gz' }, false],
      [{ kind: 'url', url: 'https://example.invalid/rel/v1.0/demo-1.0.tar.gz' }, true],
    ]);
  });

  it('without a hash (pinning) only asks mirrors by name', () => {
    const list = candidatesFor('http://up/x.tgz', null, ['file:///srv/m']);
    expect(list.map((c) => c.where)).toEqual([
      { kind: 'path', path: '/srv/m/x.tgz' },
      { kind: 'url', url: 'http://up/x.tgz' },
    ]);
  });

  it('skips the by-name lookup when the URL has no file name', () => {
    expect(candidatesFor('http://up/dir/', hex, ['/m']).map((c) => c.where)).toEqual([
      { kind: 'path', path: `/m/sha256/${hex}` },
      { kind: 'url', url: 'http://up/dir/' },
    ]);
  });

  it('escapes a decoded basename again for URL mirrors', () => {
    const list = candidatesFor('http://up/a%20b.tgz', null, ['http://m']);
    expect(list[0]?.where).toEqual({ kind: 'url', url: 'http://m/a%20b.tgz' });
  });
});

describe('locationOf', () => {
  it('reads http(s) as URLs, file URLs and bare paths as paths', () => {
    expect(locationOf('HTTPS://x/y')).toEqual({ kind: 'url', url: 'HTTPS://x/y' });
    expect(locationOf('file:///tmp/a%20b')).toEqual({ kind: 'path', path: '/tmp/a b' });
    expect(locationOf('./mirror')).toEqual({ kind: 'path', path: './mirror' });
  });

  it('refuses other schemes', () => {
    expect(() => locationOf('ftp://x/y.tgz')).toThrow(/unsupported URL scheme/);
  });
});

describe('urlBasename', () => {
  it('is the decoded last path segment, ignoring the query', () => {
    expect(urlBasename('http://x/a/b%2Bc.tgz?sig=1')).toBe('b+c.tgz');
    expect(urlBasename('http://x/')).toBeUndefined();
  });
});
