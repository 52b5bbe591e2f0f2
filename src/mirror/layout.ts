/**
 * Where a TinyCore mirror keeps extensions: `<out>/<major>.x/<arch>/tcz/`, the path a box builds
 * from `/opt/tcemirror`, its `VERSION_ID` and `uname -m`. Pure path arithmetic: no filesystem.
 */
import { join } from 'node:path';

/** The `tcz` directory for one TinyCore release and arch, e.g. `out/11.x/x86_64/tcz`. */
export function tczDir(outDir: string, tcVersion: string, arch: string): string {
  return join(outDir, `${majorOf(tcVersion)}.x`, arch, 'tcz');
}

/** The URL path under the mirror root for the same directory, e.g. `/11.x/x86_64/tcz/`. */
export function tczUrlPath(tcVersion: string, arch: string): string {
  return `/${majorOf(tcVersion)}.x/${arch}/tcz/`;
}

/** `11`, `11.1`, `11.x` all name the `11.x` tree (getMajorVer drops the minor part). */
export function majorOf(tcVersion: string): string {
  return tcVersion.replace(/\.x$/, '').split('.')[0] ?? tcVersion;
}

/** The arch directories TinyCore's getBuild() can produce. */
export const tinyCoreArches: readonly string[] = ['x86_64', 'x86', 'aarch64', 'armv7', 'armv6'];

/** Parse `<...>/<major>.x/<arch>/tcz` back into its parts (relative path segments). */
export function parseTczRelPath(segments: readonly string[]): { tcVersion: string; arch: string } | undefined {
  const n = segments.length;
  if (n < 3 || segments[n - 1] !== 'tcz') return undefined;
  const release = segments[n - 3] ?? '';
  const arch = segments[n - 2] ?? '';
  const m = /^(\d+)\.x$/.exec(release);
  if (!m || !tinyCoreArches.includes(arch)) return undefined;
  return { tcVersion: m[1] ?? '', arch };
}
