/**
 * withRetries(): the shared retry loop (util/retry.ts) for downloads: it retries only a
 * retryable FetchFailure, never anything else (a checksum mismatch, a 404, a bug), and says
 * how many attempts were made. No I/O besides the injected sleep.
 */
import { backoffDelay, retrying } from '../../util/retry.js';
import { FetchFailure, isFetchFailure } from '../../util/http/failure.js';

export interface RetryPolicy {
  /** Extra attempts after the first. */
  readonly retries: number;
  /** Pause before the first retry; doubled for each later one. */
  readonly backoffMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told before each retry (see util/retry.ts). */
  readonly onRetry?: (error: unknown, nextAttempt: number, delayMs: number) => void;
}

export { backoffDelay };

export function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  return retrying(attempt, { ...policy, retryable: (e) => isFetchFailure(e) && e.retryable, giveUp: withAttempts });
}

/** Say how many attempts were made, so "bounded retries" is visible in the message. */
function withAttempts(error: unknown, attempts: number): unknown {
  if (!isFetchFailure(error) || attempts === 1) return error;
  return new FetchFailure(`${error.message} (after ${attempts} attempts)`, { retryable: false, notFound: error.notFound, cause: error });
}
