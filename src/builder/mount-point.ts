/**
 * Whether a directory is a mount point (a bind mount, a container volume): publish replaces
 * out/ by renaming a complete new tree over it, which the kernel refuses (EBUSY) for a mount
 * point, so such an out/ is swapped from inside instead (publish-inside.ts). Read from /proc/self/mountinfo, which also sees bind mounts within one filesystem;
 * elsewhere, a device differing from the parent's.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fail } from '../diagnostics/errors.js';

export async function isMountPoint(dir: string): Promise<boolean> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    return false; // not there yet: publish creates it
  }
  if (real === '/') return true;
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => undefined);
  if (table !== undefined) return mountPointsIn(table).has(real);
  const [own, parent] = await Promise.all([stat(real), stat(dirname(real))]);
  return own.dev !== parent.dev;
}

/** The mount points (5th field, octal escapes undone) of a /proc/PID/mountinfo text. Pure. */
export function mountPointsIn(mountinfo: string): Set<string> {
  const points = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return points;
}

/** rename() of out/ failed with EBUSY: a mount point isMountPoint() did not recognise. */
export function failMountedOut(outDir: string, cause?: unknown): never {
  fail(
    'out-mount-point',
    { file: outDir },
    `${outDir} could not be replaced: it is busy, most likely a mount point that tczbuild did not recognise as one`,
    `publish into a directory inside the mount and serve that, e.g. --out ${outDir.replace(/\/+$/, '')}/mirror; or mount the volume on the parent directory of --out`,
    cause,
  );
}
