/**
 * withRetries(): run an attempt again after a growing pause while it fails with a retryable
 * FetchFailure, a bounded number of times. It never retries anything else (a checksum
 * mismatch, a 404, a bug). No I/O besides the injected sleep.
 */
import { FetchFailure, isFetchFailure } from './fetch-failure.js';

export interface RetryPolicy {
  /** Extra attempts after the first. */
  readonly retries: number;
  /** Pause before the first retry; doubled for each later one. */
  readonly backoffMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function backoffDelay(attempt: number, baseMs: number): number {
  return baseMs * 2 ** attempt;
}

export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isFetchFailure(error) || !error.retryable || n >= policy.retries) throw withAttempts(error, n + 1);
      await sleep(backoffDelay(n, policy.backoffMs));
    }
  }
}

/** Say how many attempts were made, so "bounded retries" is visible in the message. */
function withAttempts(error: unknown, attempts: number): unknown {
  if (!isFetchFailure(error) || attempts === 1) return error;
  return new FetchFailure(`${error.message} (after ${attempts} attempts)`, { retryable: false, notFound: error.notFound, cause: error });
}
