/**
 * HTTP conditional and range logic for static files: the ETag and Last-Modified of a file,
 * whether a request's validators mean 304, and which single byte range a `Range` header asks
 * for (busybox `wget -c` sends `bytes=N-`). Multi-range requests get the whole file (allowed
 * by RFC 9110). Pure: numbers and header strings only.
 */

export interface FileValidators {
  readonly size: number;
  readonly mtimeMs: number;
}

export function etagOf(f: FileValidators): string {
  return `"${f.size.toString(16)}-${Math.floor(f.mtimeMs).toString(16)}"`;
}

export function lastModifiedOf(f: FileValidators): string {
  return new Date(Math.floor(f.mtimeMs / 1000) * 1000).toUTCString();
}

function etagListMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

/** True when the client's copy is current (If-None-Match wins over If-Modified-Since). */
export function isNotModified(headers: { ifNoneMatch?: string; ifModifiedSince?: string }, f: FileValidators): boolean {
  if (headers.ifNoneMatch !== undefined) return etagListMatches(headers.ifNoneMatch, etagOf(f));
  if (headers.ifModifiedSince !== undefined) {
    const since = Date.parse(headers.ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(f.mtimeMs / 1000) * 1000 <= since;
  }
  return false;
}

export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

/** Decide a Range header against a file size; If-Range that does not match means the full file. */
export function decideRange(range: string | undefined, ifRange: string | undefined, f: FileValidators): RangeDecision {
  if (range === undefined) return { kind: 'full' };
  if (ifRange !== undefined && ifRange.trim() !== etagOf(f) && ifRange.trim() !== lastModifiedOf(f)) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m) return { kind: 'full' };
  const [, a = '', b = ''] = m;
  const size = f.size;
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (b !== '' && Number(b) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** Content-Type by suffix: indexes and companions are text, images and .gz are binary. */
export function contentTypeOf(rel: string): string {
  if (/\.(txt|dep|info|list|tree|lst|db)$/.test(rel) || rel.endsWith('sizelist')) return 'text/plain; charset=utf-8';
  if (rel.endsWith('.gz')) return 'application/gzip';
  return 'application/octet-stream';
}

/**
 * What every answer about a file says of it (a 200, a 206, a 304): ranges are accepted, and its
 * validators. A flat name/value list, as writeHead takes it; one list, so the cached path
 * (small-cache.ts) and the general one (send-file.ts) cannot drift apart.
 */
export function validatorHeaders(etag: string, lastModified: string): string[] {
  return ['Accept-Ranges', 'bytes', 'ETag', etag, 'Last-Modified', lastModified];
}

/** What a body of `length` bytes of the file at `path` is: its type and length. */
export function contentHeaders(path: string, length: number): string[] {
  return ['Content-Type', contentTypeOf(path), 'Content-Length', String(length)];
}
