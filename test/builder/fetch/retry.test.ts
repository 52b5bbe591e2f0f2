import { describe, expect, it } from 'vitest';
import { FetchFailure } from '../../../src/util/http/failure.js';
import { backoffDelay, withRetries } from '../../../src/builder/fetch/retry.js';

function recorder() {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms: number) => void sleeps.push(ms) };
}

describe('withRetries', () => {
  it('retries a retryable failure with doubling pauses, then succeeds', async () => {
    const { sleeps, sleep } = recorder();
    let calls = 0;
    const result = await withRetries(async () => {
      if (++calls < 3) throw new FetchFailure('HTTP 503', { retryable: true });
      return 'ok';
    }, { retries: 3, backoffMs: 100, sleep });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('stops after the bound and says how many attempts were made', async () => {
    const { sleeps, sleep } = recorder();
    let calls = 0;
    const attempt = withRetries(async () => {
      calls++;
      throw new FetchFailure('HTTP 500', { retryable: true });
    }, { retries: 2, backoffMs: 10, sleep });
    await expect(attempt).rejects.toThrow('HTTP 500 (after 3 attempts)');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([10, 20]);
  });

  it('never retries a final failure or a foreign error', async () => {
    const { sleep } = recorder();
    let calls = 0;
    await expect(withRetries(async () => {
      calls++;
      throw new FetchFailure('HTTP 404', { retryable: false, notFound: true });
    }, { retries: 5, backoffMs: 1, sleep })).rejects.toMatchObject({ message: 'HTTP 404', notFound: true });
    await expect(withRetries(async () => {
      calls++;
      throw new TypeError('bug');
    }, { retries: 5, backoffMs: 1, sleep })).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(2);
  });

  it('backoff doubles from the base', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 500))).toEqual([500, 1000, 2000, 4000]);
  });
});
