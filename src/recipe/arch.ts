/**
 * TinyCore arch names: the arch directories a mirror has (what getBuild in tc-functions maps
 * `uname -m` to), and the other spellings people bring from Go, Debian and uname, so a
 * mistaken `amd64` is named with what was meant instead of silently matching nothing. Pure.
 */

export const tinyCoreArches = ['x86_64', 'x86', 'aarch64', 'armv7', 'armv6'] as const;
export type TinyCoreArch = (typeof tinyCoreArches)[number];

/** Spellings of other ecosystems → the TinyCore arch directory they mean. */
const aliases: Readonly<Record<string, TinyCoreArch>> = {
  amd64: 'x86_64',
  x64: 'x86_64',
  'x86-64': 'x86_64',
  x86_64: 'x86_64',
  '386': 'x86',
  i386: 'x86',
  i486: 'x86',
  i586: 'x86',
  i686: 'x86',
  ia32: 'x86',
  arm64: 'aarch64',
  armv8: 'aarch64',
  aarch64: 'aarch64',
  arm: 'armv7',
  armhf: 'armv7',
  armv7l: 'armv7',
  armv7hf: 'armv7',
  armel: 'armv6',
  armv6l: 'armv6',
  armv6hf: 'armv6',
};

export function isTinyCoreArch(value: unknown): value is TinyCoreArch {
  return typeof value === 'string' && (tinyCoreArches as readonly string[]).includes(value);
}

/** The TinyCore arch a mistaken name most likely meant, if any. */
export function suggestArch(value: string): TinyCoreArch | undefined {
  return aliases[value.trim().toLowerCase()];
}

/** "amd64" is not a TinyCore arch; did you mean x86_64? — for recipes and --arch alike. */
export function unknownArchMessage(value: unknown): string {
  const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  const guess = typeof value === 'string' ? suggestArch(value) : undefined;
  return `${shown} is not a TinyCore arch${guess ? `; did you mean ${guess}?` : ''} (one of ${tinyCoreArches.join(', ')})`;
}
