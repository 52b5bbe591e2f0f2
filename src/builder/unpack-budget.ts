/**
 * The unpack budget: how many bytes archives may write into one source's share and into the
 * whole extension, so a small compressed archive cannot stage gigabytes (a decompression bomb).
 * Each budget names the recipe key that raises it. Pure.
 */
import type { Position } from '../diagnostics/diagnostic.js';
import { fail } from '../diagnostics/errors.js';

export interface UnpackBudget {
  readonly limit: number;
  used: number;
  /** "source containerd" or "containerd.tcz", for the message. */
  readonly owner: string;
  /** The recipe key that raises the limit, and where to write it. */
  readonly key: string;
  /** Where, or how to find out: a recipe position is worked out only when a limit is hit. */
  readonly at: Position | (() => Position);
}

/** Generous defaults: TinyCore loads extensions into RAM; the largest real ones are a few hundred MB. */
export const defaultSourceLimit = 2 * 1024 ** 3;
export const defaultExtensionLimit = 4 * 1024 ** 3;

export function newBudget(limit: number, owner: string, key: string, at: Position | (() => Position)): UnpackBudget {
  return { limit, used: 0, owner, key, at };
}

/** Count `size` more bytes for `entry`, or fail with the numbers before anything is written. */
export function chargeBudget(budget: UnpackBudget, size: number, entry: string): void {
  if (budget.used + size > budget.limit) {
    fail(
      'unpack-too-large',
      typeof budget.at === 'function' ? budget.at() : budget.at,
      `${budget.owner}: "${entry}" (${size} bytes) would bring the unpacked total to ${budget.used + size} bytes, over the limit of ${budget.limit} bytes (${budget.used} unpacked so far)`,
      `if the archive really unpacks to this much, raise ${budget.key} in the recipe (bytes, or a size such as "8GiB")`,
    );
  }
  budget.used += size;
}
