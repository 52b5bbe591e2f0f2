/**
 * Run tasks as soon as their dependencies finished, at most `limit` at once. The first failure
 * stops new tasks from starting and is rethrown once running ones settle.
 */
export async function runScheduled<T, R>(
  items: readonly T[],
  nameOf: (t: T) => string,
  depsOf: (t: T) => readonly string[],
  run: (t: T) => Promise<R>,
  limit: number,
): Promise<R[]> {
  const names = new Set(items.map(nameOf));
  const done = new Set<string>();
  const started = new Set<string>();
  const results = new Map<string, R>();
  let failure: unknown;
  let running = 0;
  return new Promise<R[]>((resolvePromise, reject) => {
    const pump = (): void => {
      if (failure !== undefined) {
        if (running === 0) reject(failure);
        return;
      }
      if (done.size === items.length) return resolvePromise(items.map((t) => results.get(nameOf(t))!));
      for (const t of items) {
        if (running >= limit) break;
        const name = nameOf(t);
        if (started.has(name) || !depsOf(t).every((d) => !names.has(d) || done.has(d))) continue;
        started.add(name);
        running++;
        run(t).then(
          (r) => {
            results.set(name, r);
            done.add(name);
            running--;
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
