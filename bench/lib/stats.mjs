/**
 * Summaries of repeated timings: median, min, max, spread (max-min as a share of the median)
 * and the ratio of two medians. Pure: numbers in, numbers out.
 */

export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length / 2;
  const median = s.length % 2 ? s[Math.floor(mid)] : (s[mid - 1] + s[mid]) / 2;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, s.length - 1));
  return { n: s.length, median, min: s[0], max: s[s.length - 1], spread: median ? (s[s.length - 1] - s[0]) / median : 0, sd, samples };
}

export const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A fixed-width text table: header row, then rows of strings. */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
