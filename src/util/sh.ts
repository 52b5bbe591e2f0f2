/**
 * Quoting values as POSIX sh words, for every module that writes shell text (init scripts,
 * install hooks, the box's guest script). The lowest layer: pure string functions that never run
 * a shell and import nothing.
 */

const bareWord = /^[A-Za-z0-9._+@/=:,%-]+$/;

/** One shell word: bare when it needs no quoting, else single-quoted. */
export function shq(value: string): string {
  if (bareWord.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Several shell words separated by spaces. */
export function shWords(values: readonly string[]): string {
  return values.map(shq).join(' ');
}

