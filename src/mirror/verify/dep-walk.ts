/**
 * The walk every dependency question of verify takes: from some names, every name their
 * dependency lists reach, each once, in the order first met (the starting names first). Cycles
 * end the walk, they do not loop it. Pure.
 */
export function reachable(from: readonly string[], depsOf: (name: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...from];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...depsOf(name));
  }
  return seen;
}
