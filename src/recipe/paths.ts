/**
 * Image paths: the one place that decides what a path inside a .tcz may look like. Paths are
 * relative to the image root, use `/`, and never climb out with `..`. Pure.
 */

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** Normalize `usr//local/./bin/` to `usr/local/bin`; refuse absolute, `..`, empty and odd bytes. */
export function checkImagePath(raw: string, { allowEmpty = false } = {}): PathCheck {
  if (raw.startsWith('/')) return { ok: false, reason: `"${raw}" is absolute; write it relative to / (no leading slash)` };
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return { ok: false, reason: `"${escape(raw)}" contains a control character` };
  if (/\s/.test(raw)) return { ok: false, reason: `"${raw}" contains white space, which mksquashfs pseudo files cannot carry` };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { ok: false, reason: `"${raw}" contains "..", which would leave the image` };
  const path = parts.join('/');
  if (!allowEmpty && path === '') return { ok: false, reason: 'the path is empty' };
  return { ok: true, path };
}

function escape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

export function joinImagePath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** All ancestors of a path, outermost first: `a/b/c` → `a`, `a/b`. */
export function parentDirs(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** Glob match for image paths: `*` within a segment, `**` across segments, `?` one char. */
export function matchGlob(pattern: string, path: string): boolean {
  return globToRegExp(pattern).test(path);
}

const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      src += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') src += '[^/]*';
    else if (c === '?') src += '[^/]';
    else src += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`);
  cache.set(pattern, re);
  return re;
}

/** True if `path` is `prefix` or lies under it. */
export function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}
