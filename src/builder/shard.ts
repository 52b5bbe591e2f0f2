/**
 * `all --shard I/N`: which recipes are shard I's share when N CI jobs split one build. A recipe's
 * shard depends only on its own name (a sha256 of it), so adding or removing a recipe moves no
 * other recipe to another job, and every job, on any machine, agrees without talking to the
 * others. A job also builds the local dependencies of its share (their keys and the verify
 * gate need them); with a shared remote cache those usually come back as hits. Pure.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based: the first of N jobs is 1/N, as CI matrices count. */
  readonly index: number;
  readonly count: number;
}

/** Parse "I/N"; undefined when the text is not of that shape or I is not within 1..N. */
export function parseShard(text: string): Shard | undefined {
  const m = /^([1-9]\d{0,5})\/([1-9]\d{0,5})$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index <= count ? { index, count } : undefined;
}

/** The 1-based shard a recipe name belongs to among `count`. */
export function shardOf(name: string, count: number): number {
  const h = createHash('sha256').update(name, 'utf8').digest();
  return (h.readUInt32BE(0) % count) + 1;
}

/** The names (in the given order) that are this shard's share. */
export function shareOf(names: readonly string[], shard: Shard): string[] {
  return names.filter((n) => shardOf(n, shard.count) === shard.index);
}

export function shardName(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
