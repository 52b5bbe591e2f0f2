/** Credentials: userinfo split off URLs, masked in text, netrc parsed as curl reads it. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netrcLookup, originScopedAuth, parseNetrc, redactUserinfo, splitUserinfo } from '../../src/util/credentials.js';
import { testdir } from '../helpers/testdir.js';

describe('splitUserinfo', () => {
  it('takes user:password@ out of the URL and decodes it', () => {
    expect(splitUserinfo('https://ci:p%40ss%3Aword@releases.example.com/a/b.tar.gz?x=1')).toEqual({
      url: 'https://releases.example.com/a/b.tar.gz?x=1',
      credentials: { username: 'ci', password: 'p@ss:word' },
    });
  });
  it('leaves a URL without userinfo, and a path, exactly as written', () => {
    expect(splitUserinfo('https://example.com/a%20b.tgz')).toEqual({ url: 'https://example.com/a%20b.tgz' });
    expect(splitUserinfo('vendor/file.tgz')).toEqual({ url: 'vendor/file.tgz' });
  });
});

describe('redactUserinfo', () => {
  it('masks userinfo wherever a URL appears in a message', () => {
    expect(redactUserinfo('--source-mirror https://u:secret@m.example/x: bad, also http://tok@h/y')).toBe('--source-mirror https://***@m.example/x: bad, also http://***@h/y');
  });
  it('masks a remote cache URL with a port and a path', () => {
    expect(redactUserinfo('https://ci:tok3n@cache.example:9090/pool/')).toBe('https://***@cache.example:9090/pool/');
  });
  it('masks a password holding @ whole, up to the last @ before the host', () => {
    expect(redactUserinfo('remote cache https://bob:p@ss@cache.example/x failed')).toBe('remote cache https://***@cache.example/x failed');
  });
  it('does not touch e-mail addresses or URLs without userinfo', () => {
    expect(redactUserinfo('mail me@example.com about https://example.com/a@b')).toBe('mail me@example.com about https://example.com/a@b');
  });
});

describe('netrc', () => {
  it('reads machine entries across lines, comments and the default entry', () => {
    const hosts = parseNetrc('# corp\nmachine Releases.Example.com\n  login ci\n  password s3cret\nmachine other login o password p account x\ndefault login anon password guest\n');
    expect(hosts.get('releases.example.com')).toEqual({ username: 'ci', password: 's3cret' });
    expect(hosts.get('other')).toEqual({ username: 'o', password: 'p' });
    expect(hosts.get('')).toEqual({ username: 'anon', password: 'guest' });
  });
  it('looks hosts up in the file $NETRC names, falling back to default, and has nothing without a file', async () => {
    const dir = await testdir();
    await writeFile(join(dir, 'netrc'), 'machine a.example login u password p\ndefault login d password q\n');
    const lookup = netrcLookup({ NETRC: join(dir, 'netrc') });
    expect(lookup('A.example')).toEqual({ username: 'u', password: 'p' });
    expect(lookup('b.example')).toEqual({ username: 'd', password: 'q' });
    expect(netrcLookup({ NETRC: join(dir, 'absent') })('a.example')).toBeUndefined();
  });
});

describe('originScopedAuth', () => {
  const own = { username: 'ci', password: 's3cret' };
  const netrc = { username: 'n', password: 'from-netrc' };
  const auth = originScopedAuth('https://cache.example:9090/pool/', own, (host) => (host === 'mirror.example' ? netrc : undefined));
  it('sends a URL\'s own credentials only to its origin', () => {
    expect(auth(new URL('https://cache.example:9090/cas/ab'))).toEqual(own);
  });
  it('never to another host, another port or plain http after a redirect', () => {
    expect(auth(new URL('https://bucket.s3.example/signed?x=1'))).toBeUndefined();
    expect(auth(new URL('https://cache.example/cas/ab'))).toBeUndefined();
    expect(auth(new URL('http://cache.example:9090/cas/ab'))).toBeUndefined();
  });
  it('falls back to what netrc has for the host it lands on', () => {
    expect(auth(new URL('https://mirror.example/x'))).toEqual(netrc);
  });
});
