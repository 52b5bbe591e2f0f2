/**
 * The build key: a sha256 over everything that can change an extension's bytes (normalized
 * recipe, source hashes, overlay and generated file contents, tool versions, epoch, the
 * outputs of its dependencies). Kept as named components so `explain` can say which one
 * changed. Pure.
 */
import { createHash } from 'node:crypto';

export type KeyComponents = Readonly<Record<string, string>>;

export interface BuildKey {
  readonly key: string;
  readonly components: KeyComponents;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function buildKey(components: KeyComponents): BuildKey {
  return { key: sha256Hex(canonicalJson(components)), components };
}

/** Why a build is needed: each component that differs from the last published build. */
export function explainChange(previous: KeyComponents | undefined, next: KeyComponents): string[] {
  if (!previous) return ['it was never built into this output directory'];
  const reasons: string[] = [];
  for (const k of Object.keys(next).sort()) {
    if (!(k in previous)) reasons.push(`${k} was added`);
    else if (previous[k] !== next[k]) reasons.push(`${k} changed`);
  }
  for (const k of Object.keys(previous).sort()) if (!(k in next)) reasons.push(`${k} was removed`);
  return reasons.length ? reasons : ['its output files are missing or differ'];
}
