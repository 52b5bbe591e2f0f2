/**
 * Whether nginx's workers can reach a path the printed site names. Debian's nginx starts as
 * root and runs its workers as www-data, which is not the user who built out/: a directory on
 * the way without "other" search permission (a home directory at 0700, such as /root when
 * tczbuild ran as root) makes every file behind it unreachable, and nginx answers 403 for out/
 * and 500 for an upstream file it cannot cache. The workers' user is not known here, so this
 * asks what any other user may do.
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Blocked {
  /** The first directory, from /, that other users cannot enter. */
  readonly dir: string;
  readonly mode: number;
}

/** The first existing directory on the way to path (from /, path itself included) that lacks o+x. */
export async function blockedForOthers(path: string): Promise<Blocked | undefined> {
  const chain: string[] = [];
  for (let d = path; ; d = dirname(d)) {
    chain.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const dir of chain) {
    const st = await stat(dir).catch(() => undefined);
    if (!st) return undefined; // not there yet: nginx (or the printed mkdir) makes it
    if (st.isDirectory() && (st.mode & 0o001) === 0) return { dir, mode: st.mode & 0o7777 };
  }
  return undefined;
}
