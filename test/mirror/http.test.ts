import { describe, expect, it } from 'vitest';
import { resolveRequestPath } from '../../src/mirror/http-path.js';
import { contentTypeOf, decideRange, etagOf, isNotModified, lastModifiedOf } from '../../src/mirror/http-range.js';

describe('resolveRequestPath', () => {
  it('maps a mirror URL to a relative path, ignoring the query', () => {
    expect(resolveRequestPath('/11.x/x86_64/tcz/faasd.tcz?x=1')).toEqual({ ok: true, rel: '11.x/x86_64/tcz/faasd.tcz' });
    expect(resolveRequestPath('/11.x//x86_64/tcz/a%20b.tcz')).toEqual({ ok: true, rel: '11.x/x86_64/tcz/a b.tcz' });
    // TinyCore names such as libstdc++ keep their plus signs (no form decoding)
    expect(resolveRequestPath('/11.x/x86_64/tcz/gcc++.tcz')).toEqual({ ok: true, rel: '11.x/x86_64/tcz/gcc++.tcz' });
  });

  it('serves an absolute-form target (RFC 9112 §3.2.2) as the path it names', () => {
    expect(resolveRequestPath('http://192.168.1.5:8080/11.x/x86_64/tcz/a.tcz?x=1')).toEqual({ ok: true, rel: '11.x/x86_64/tcz/a.tcz' });
    expect(resolveRequestPath('https://mirror.local/11.x/x86_64/tcz/a%20b.tcz')).toEqual({ ok: true, rel: '11.x/x86_64/tcz/a b.tcz' });
  });

  it.each([
    ['/../etc/passwd', 403],
    ['/a/%2e%2e/b', 403],
    ['/a/%2E%2E/b', 403],
    ['/a/.%2e/b', 403],
    ['/a/%2e/b', 403],
    ['/a%2f..%2fb', 403],
    ['/a%5c..%5cb', 403],
    ['/a%00.tcz', 403],
    ['/a\0.tcz', 403],
    ['/%zz', 400],
    ['relative/path', 400],
    ['/.git/config', 404],
    ['/11.x/', 404],
    ['/', 404],
    ['http://mirror.local/', 404],
    ['http://mirror.local', 404],
    ['http://mirror.local/../etc/passwd', 403],
    ['HTTP://h:8080/a/%2e%2e/b', 403],
    ['http://h/.git/config', 404],
    ['ftp://h/a.tcz', 400],
  ])('refuses %j with %i', (target, status) => {
    const r = resolveRequestPath(target);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.status).toBe(status);
  });
});

describe('ranges and validators', () => {
  const f = { size: 1000, mtimeMs: 1_700_000_000_123 };

  it('decides single ranges the way wget -c needs them', () => {
    expect(decideRange(undefined, undefined, f)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=100-', undefined, f)).toEqual({ kind: 'partial', start: 100, end: 999 });
    expect(decideRange('bytes=0-0', undefined, f)).toEqual({ kind: 'partial', start: 0, end: 0 });
    expect(decideRange('bytes=990-5000', undefined, f)).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(decideRange('bytes=-10', undefined, f)).toEqual({ kind: 'partial', start: 990, end: 999 });
    expect(decideRange('bytes=1000-', undefined, f)).toEqual({ kind: 'unsatisfiable' });
    expect(decideRange('bytes=-0', undefined, f)).toEqual({ kind: 'unsatisfiable' });
  });

  it('serves the whole file for multi-range, malformed ranges and a stale If-Range', () => {
    expect(decideRange('bytes=0-1,5-6', undefined, f)).toEqual({ kind: 'full' });
    expect(decideRange('items=0-1', undefined, f)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=5-1', undefined, f)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=10-', '"old"', f)).toEqual({ kind: 'full' });
    expect(decideRange('bytes=10-', etagOf(f), f)).toEqual({ kind: 'partial', start: 10, end: 999 });
  });

  it('answers 304 for a matching ETag or an unchanged date, If-None-Match winning', () => {
    expect(isNotModified({ ifNoneMatch: etagOf(f) }, f)).toBe(true);
    expect(isNotModified({ ifNoneMatch: `"x", W/${etagOf(f)}` }, f)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"x"', ifModifiedSince: lastModifiedOf(f) }, f)).toBe(false);
    expect(isNotModified({ ifModifiedSince: lastModifiedOf(f) }, f)).toBe(true);
    expect(isNotModified({ ifModifiedSince: new Date(f.mtimeMs - 5000).toUTCString() }, f)).toBe(false);
    expect(isNotModified({ ifModifiedSince: 'garbage' }, f)).toBe(false);
  });

  it('labels companions and indexes as text', () => {
    expect(contentTypeOf('x/a.tcz.dep')).toMatch(/^text\/plain/);
    expect(contentTypeOf('x/sizelist')).toMatch(/^text\/plain/);
    expect(contentTypeOf('x/md5.db.gz')).toBe('application/gzip');
    expect(contentTypeOf('x/a.tcz')).toBe('application/octet-stream');
  });
});
