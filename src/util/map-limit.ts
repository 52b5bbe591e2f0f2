/**
 * mapLimit(): run an async function over a list with at most `limit` calls in flight, keeping
 * the input order in the result. Fetching a dozen sources at once would only fight over one
 * link; a few at a time keeps a slow server from serializing the rest. Index writes, verify and
 * tree moves bound their file work the same way. No I/O of its own.
 */

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
