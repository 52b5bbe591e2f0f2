/**
 * The minimum transfer rate (curl's low-speed limit): every `windowMs`, a transfer that moved
 * fewer than `bytesPerSec` on average in that window is too slow, however steadily it trickles.
 * watchRate() checks a byte counter on a timer and reports once; the caller aborts the transfer
 * with its own kind of error. No I/O besides the timer.
 */

export interface MinRate {
  readonly bytesPerSec: number;
  readonly windowMs: number;
}

/** Below 1 KiB/s for 30 s is a dead transfer, not a slow one. */
export const defaultMinRate: MinRate = { bytesPerSec: 1024, windowMs: 30_000 };

/** How a too-slow window reads in messages. */
export function tooSlow(rate: MinRate, got: number, received: number, total: number | undefined): string {
  const perSec = Math.round((got * 1000) / rate.windowMs);
  const of = total === undefined ? '' : ` of ${total}`;
  return `the transfer is too slow: ${got} bytes in the last ${rate.windowMs / 1000} s (${perSec} B/s, after ${received}${of} bytes), below the minimum of ${rate.bytesPerSec} B/s`;
}

/** Watch `received()`; call `onSlow(message)` once when a window falls short. Returns the stop function. */
export function watchRate(rate: MinRate, received: () => number, total: number | undefined, onSlow: (message: string) => void): () => void {
  let checked = 0;
  const timer = setInterval(() => {
    const now = received();
    const got = now - checked;
    checked = now;
    if (got * 1000 >= rate.bytesPerSec * rate.windowMs) return;
    clearInterval(timer);
    onSlow(tooSlow(rate, got, now, total));
  }, rate.windowMs).unref();
  return () => clearInterval(timer);
}
