/**
 * Turn a raw request target into a path relative to the mirror root, or refuse it. Every
 * traversal trick is refused here, before any filesystem call: `..` and `.` segments (raw or
 * percent-encoded), NUL, encoded slashes and backslashes. Hidden names (a segment starting
 * with `.`) are not served: out/ may hold temp dirs of a publish in progress. An absolute-form
 * target (`http://host/path`, which RFC 9112 §3.2.2 says a server must accept) is served as the
 * path it names, under the same rules. Pure.
 */

export type RequestPath =
  | { readonly ok: true; readonly rel: string }
  | { readonly ok: false; readonly status: 400 | 403 | 404; readonly reason: string };

export function resolveRequestPath(target: string): RequestPath {
  const raw = withoutSchemeAndAuthority(target).split('?')[0]?.split('#')[0] ?? '';
  if (!raw.startsWith('/')) return { ok: false, status: 400, reason: 'request target is not an absolute path' };
  if (raw.includes('\0') || /%00/i.test(raw)) return { ok: false, status: 403, reason: 'NUL in path' };
  const segments: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '') continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (decoded === '..' || decoded === '.') return { ok: false, status: 403, reason: 'dot segment in path' };
    if (/[/\\\0]/.test(decoded)) return { ok: false, status: 403, reason: 'encoded separator in path' };
    if (decoded.startsWith('.')) return { ok: false, status: 404, reason: 'hidden names are not served' };
    segments.push(decoded);
  }
  if (segments.length === 0 || raw.endsWith('/')) return { ok: false, status: 404, reason: 'directories are not listed' };
  return { ok: true, rel: segments.join('/') };
}

/** `http://host:port/p?q` → `/p?q`; `http://host` → `/`; any other target unchanged. */
function withoutSchemeAndAuthority(target: string): string {
  const m = /^https?:\/\/[^/?#]*/i.exec(target);
  if (!m) return target;
  const rest = target.slice(m[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
