/**
 * Shell text helpers for the init-script templates: quoting values for POSIX sh and putting
 * box paths behind the `$ROOT` prefix. Pure string functions; they never run a shell.
 */

import { shq } from '../util/sh.js';

export { shq, shWords } from '../util/sh.js';

const safeInDoubleQuotes = /^[A-Za-z0-9._+@/:,%= -]*$/;

/**
 * A box path as one double-quoted word behind the test prefix: `"$ROOT/var/run/x.pid"`. Paths
 * with characters that double quotes do not neutralise are concatenated from a quoted part.
 */
export function rooted(path: string): string {
  if (safeInDoubleQuotes.test(path)) return `"$ROOT${path}"`;
  return `"$ROOT"${shq(path)}`;
}

/** The directory part of an absolute box path (`/var/run/x.pid` → `/var/run`). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Distinct values in first-seen order (for mkdir lists built from several fields). */
export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Indent every non-empty line of a block by `n` spaces. */
export function indent(block: string, n = 2): string {
  const pad = ' '.repeat(n);
  return block
    .split('\n')
    .map((l) => (l === '' ? l : pad + l))
    .join('\n');
}
