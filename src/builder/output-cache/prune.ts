/**
 * Which output-cache entries `tczbuild clean --prune-cache` drops: every entry not used for
 * longer than the age bound, then the least recently used ones until the blobs the rest refer to
 * fit in the size bound. A blob shared by two entries counts once. Pure.
 */

export interface PruneCandidate {
  readonly key: string;
  /** When the entry was last stored or used (ms since the epoch). */
  readonly usedMs: number;
  readonly blobs: ReadonlyArray<{ readonly sha256: string; readonly size: number }>;
}

export interface PruneBounds {
  readonly nowMs: number;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
}

/** Documented defaults: keep what was used in the last 30 days, at most 10 GiB of blobs. */
export const defaultPruneBounds = { maxAgeDays: 30, maxBytes: 10 * 1024 ** 3 } as const;

export function chooseEntriesToDrop(entries: readonly PruneCandidate[], b: PruneBounds): { drop: string[]; keptBlobs: Set<string>; keptBytes: number } {
  const newestFirst = [...entries].sort((x, y) => y.usedMs - x.usedMs || x.key.localeCompare(y.key));
  const drop: string[] = [];
  const keptBlobs = new Set<string>();
  let keptBytes = 0;
  for (const e of newestFirst) {
    const fresh = e.blobs.filter((f) => !keptBlobs.has(f.sha256));
    const extra = fresh.reduce((n, f) => n + f.size, 0);
    if (b.nowMs - e.usedMs > b.maxAgeMs || keptBytes + extra > b.maxBytes) {
      drop.push(e.key);
      continue;
    }
    for (const f of fresh) keptBlobs.add(f.sha256);
    keptBytes += extra;
  }
  return { drop, keptBlobs, keptBytes };
}
