/**
 * Byte sizes as recipes write them: a whole number of bytes, or a number with a unit
 * ("500MiB", "8GiB", "2G"; K/M/G/T and KB/MB/GB/TB are binary multiples here too, as du says). Pure.
 */

export const sizePattern = /^\s*(\d+(?:\.\d+)?)\s*(B|K|KB|KiB|M|MB|MiB|G|GB|GiB|T|TB|TiB)?\s*$/;

const exponent: Readonly<Record<string, number>> = { B: 0, K: 1, M: 2, G: 3, T: 4 };

/** Bytes for a size, or undefined when it does not parse. */
export function parseSize(size: number | string): number | undefined {
  if (typeof size === 'number') return Number.isSafeInteger(size) && size >= 0 ? size : undefined;
  const m = sizePattern.exec(size);
  if (!m) return undefined;
  const unit = (m[2] ?? 'B').charAt(0);
  return Math.floor(Number(m[1]) * 1024 ** (exponent[unit] ?? 0));
}
