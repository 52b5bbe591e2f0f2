/**
 * "Did you mean": the closest of a set of known words to a mistyped one (edit distance), and
 * the keys a zod object schema allows at a path of the data, so an unknown key can be answered
 * with the key that was meant. Pure.
 */
import type { z } from 'zod';

/** Levenshtein distance, with an early exit once it exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}

/** The known word closest to `word`, when it is close enough to be a typo of it. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  let best: { word: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase(), limit);
    if (d <= limit && (!best || d < best.d)) best = { word: k, d };
  }
  return best?.word;
}

type AnySchema = z.core.$ZodType;
interface Def {
  readonly type: string;
  readonly shape?: Record<string, AnySchema>;
  readonly element?: AnySchema;
  readonly innerType?: AnySchema;
  readonly valueType?: AnySchema;
  readonly in?: AnySchema;
  readonly options?: readonly AnySchema[];
  readonly discriminator?: string;
}
const def = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strip optional/default/nullable/pipe wrappers; pick a union member by the data's discriminator. */
function settle(s: AnySchema, data: unknown): AnySchema | undefined {
  for (let i = 0; i < 16; i++) {
    const d = def(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else if (d.type === 'union' && d.options) {
      const key = d.discriminator;
      const wanted = key && data && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined;
      const pick = d.options.find((o) => {
        const shape = def(o).shape;
        const lit = key && shape?.[key] ? (def(shape[key]!) as Def & { values?: unknown[] }).values : undefined;
        return lit?.includes(wanted);
      });
      const objects = d.options.filter((o) => def(o).type === 'object');
      if (pick) s = pick;
      else if (objects.length === 1) s = objects[0]!;
      else return undefined;
    } else return s;
  }
  return s;
}

/** The keys the object schema at `path` allows (following the data for unions), if it is an object. */
export function keysAt(schema: AnySchema, path: readonly (string | number)[], data: unknown): string[] | undefined {
  let s: AnySchema | undefined = schema;
  let d = data;
  for (const seg of path) {
    s = s && settle(s, d);
    if (!s) return undefined;
    const sd = def(s);
    s = sd.type === 'object' ? sd.shape?.[String(seg)] : sd.type === 'array' ? sd.element : sd.type === 'record' ? sd.valueType : undefined;
    d = d && typeof d === 'object' ? (d as Record<string, unknown>)[String(seg)] : undefined;
  }
  s = s && settle(s, d);
  const shape = s ? def(s).shape : undefined;
  return shape ? Object.keys(shape) : undefined;
}
