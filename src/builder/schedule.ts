/**
 * Run tasks as soon as their dependencies finished, at most `limit` at once. The first failure
 * stops new tasks from starting and is rethrown once running ones settle. Linear in tasks plus
 * dependency edges: a repository of thousands of recipes must not rescan the whole list each
 * time one finishes.
 */
export async function runScheduled<T, R>(
  items: readonly T[],
  nameOf: (t: T) => string,
  depsOf: (t: T) => readonly string[],
  run: (t: T) => Promise<R>,
  limit: number,
): Promise<R[]> {
  const index = new Map(items.map((t, i) => [nameOf(t), i]));
  // how many of its in-run dependencies each task still waits for, and who waits on whom
  const waiting = items.map((t) => new Set(depsOf(t).filter((d) => index.has(d) && d !== nameOf(t))).size);
  const dependents = items.map(() => [] as number[]);
  items.forEach((t, i) => {
    for (const d of new Set(depsOf(t))) if (index.has(d) && d !== nameOf(t)) dependents[index.get(d)!]!.push(i);
  });
  const ready = items.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
  const results: R[] = new Array<R>(items.length);
  let next = 0; // ready[] is consumed in order, so a task's position in items decides ties
  let done = 0;
  let running = 0;
  let failure: unknown;
  return new Promise<R[]>((resolvePromise, reject) => {
    const pump = (): void => {
      if (failure !== undefined) {
        if (running === 0) reject(failure);
        return;
      }
      if (done === items.length) return resolvePromise(results);
      while (running < limit && next < ready.length) {
        const i = ready[next++]!;
        running++;
        run(items[i]!).then(
          (r) => {
            results[i] = r;
            done++;
            running--;
            for (const j of dependents[i]!) if (--waiting[j]! === 0) ready.push(j);
            pump();
          },
          (error: unknown) => {
            failure ??= error;
            running--;
            pump();
          },
        );
      }
    };
    pump();
  });
}
