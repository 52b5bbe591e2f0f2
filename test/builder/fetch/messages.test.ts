import { describe, expect, it } from 'vitest';
import { checksumMismatch, fetchFailed, hashMissing, offlineMissing, type Attempt } from '../../../src/builder/fetch/messages.js';
import { formatDiagnostic } from '../../../src/diagnostics/format.js';
import type { SourceSpec } from '../../../src/recipe/model.js';

const expected = '1'.repeat(64);
const got = '2'.repeat(64);

function spec(url: string, sha256: string | null = expected): SourceSpec {
  return {
    id: 'src0',
    url,
    sha256,
    kind: 'file',
    install: { to: '/usr/local/bin/x' },
    hashAt: { file: 'recipes/x.yaml', line: 12, col: 13 },
    at: { file: 'recipes/x.yaml', line: 10, col: 5 },
  };
}

const upstreamMismatch: Attempt = { where: 'https://h/x', upstream: true, outcome: 'sha256 mismatch', notFound: false, mismatch: { got, size: 42 } };

describe('fetch diagnostics', () => {
  it('a mismatch points at the hash line and says URL, expected, got and the fix', () => {
    const text = formatDiagnostic(checksumMismatch(spec('https://h/x'), { got, size: 42 }, [upstreamMismatch]));
    expect(text).toBe(
      [
        'recipes/x.yaml:12:13: error[checksum-mismatch]: sha256 mismatch for https://h/x',
        `  expected: ${expected}`,
        `  got:      ${got} (42 bytes; the file was not kept)`,
        '  hint: Causes: upstream replaced the file, the download was cut short, a proxy served something else, or it was tampered with. ' +
          `If you have verified the new file, set \`sha256: ${got}\` at recipes/x.yaml:12 (or run \`tczbuild pin --force\`).`,
      ].join('\n'),
    );
  });

  it('warns that forge /archive/ tarballs change bytes', () => {
    const d = checksumMismatch(spec('https://forge/o/r/archive/v1.tar.gz'), { got, size: 1 }, []);
    expect(d.hint).toMatch(/forge-generated \/archive\/ tarball/);
  });

  it('upstream decides the id; mirror attempts are listed in order', () => {
    const attempts: Attempt[] = [
      { where: 'http://m/sha256/x', upstream: false, outcome: 'HTTP 404 Not Found', notFound: true },
      { where: 'http://m/x', upstream: false, outcome: `sha256 mismatch, got ${got} (3 bytes)`, notFound: false, mismatch: { got, size: 3 } },
      { where: 'https://h/x', upstream: true, outcome: 'the connection was reset (ECONNRESET) (after 4 attempts)', notFound: false },
    ];
    const d = fetchFailed(spec('https://h/x'), attempts);
    expect(d).toMatchObject({ id: 'fetch-failed', file: 'recipes/x.yaml', line: 10 });
    expect(d.message).toBe(
      [
        'could not download https://h/x: the connection was reset (ECONNRESET) (after 4 attempts)',
        'tried, in order:',
        '  mirror http://m/sha256/x: HTTP 404 Not Found',
        `  mirror http://m/x: sha256 mismatch, got ${got} (3 bytes)`,
        '  upstream https://h/x: the connection was reset (ECONNRESET) (after 4 attempts)',
      ].join('\n'),
    );
    expect(fetchFailed(spec('https://h/x'), [upstreamMismatch]).id).toBe('checksum-mismatch');
  });

  it('a 404 hints at the URL and version', () => {
    const d = fetchFailed(spec('https://h/x'), [{ where: 'https://h/x', upstream: true, outcome: 'HTTP 404 Not Found', notFound: true }]);
    expect(d.message).toBe('could not download https://h/x: HTTP 404 Not Found');
    expect(d.hint).toMatch(/check the URL and the version/);
  });

  it('an unpinned source names its line and `tczbuild pin`', () => {
    const d = hashMissing(spec('https://h/x', null));
    expect(formatDiagnostic(d)).toMatch(/^recipes\/x\.yaml:12:13: error\[source-hash-missing\]: source https:\/\/h\/x has no sha256 \(recipes\/x\.yaml:12 says unpinned\)/);
    expect(d.hint).toContain('tczbuild pin');
  });

  it('offline lists URL and hash at the source', () => {
    const d = offlineMissing({ ...spec('https://h/x'), sha256: expected });
    expect(d).toMatchObject({ id: 'fetch-offline-missing', line: 10, message: `not in the source cache (--offline): https://h/x sha256 ${expected}` });
  });
});
