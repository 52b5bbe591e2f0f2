/**
 * retrying(): the one retry loop of every network client (sources, registry). Run an attempt
 * again after a doubling pause while the caller's predicate says its failure may pass, a bounded
 * number of times, then hand the last failure to the caller to say how many attempts were made.
 * No I/O besides the injected sleep.
 */

export interface RetryLoop {
  /** Extra attempts after the first. */
  readonly retries: number;
  /** Pause before the first retry; doubled for each later one. */
  readonly backoffMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Whether trying the same thing again could help. */
  readonly retryable: (error: unknown) => boolean;
  /** The error to throw after `attempts` tries (> 1 only when retries were spent). */
  readonly giveUp: (error: unknown, attempts: number) => unknown;
  /** Told before each pause: the failure, the number of the attempt to come (2 for the first retry), and the pause. */
  readonly onRetry?: (error: unknown, nextAttempt: number, delayMs: number) => void;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffDelay(attempt: number, baseMs: number): number {
  return baseMs * 2 ** attempt;
}

export async function retrying<T>(attempt: (n: number) => Promise<T>, loop: RetryLoop): Promise<T> {
  const sleep = loop.sleep ?? realSleep;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!loop.retryable(error) || n >= loop.retries) throw loop.giveUp(error, n + 1);
      const delay = backoffDelay(n, loop.backoffMs);
      loop.onRetry?.(error, n + 2, delay);
      await sleep(delay);
    }
  }
}
