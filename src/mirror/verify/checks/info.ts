/**
 * Check: NAME.tcz.info has the twelve fields TinyCore's tools expect, in order, non-empty
 * (Tags may be empty), LF endings, `Title:` equal to the file name and `Size:` matching the
 * .tcz (as `du -h` rounds it). Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import type { Check, ExtensionFiles } from '../types.js';

export const infoFieldOrder = ['Title', 'Description', 'Version', 'Author', 'Original-site', 'Copying-policy', 'Size', 'Extension_by', 'Tags', 'Comments', 'Change-log', 'Current'] as const;

interface Field {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export function parseInfo(text: string): Field[] {
  const fields: Field[] = [];
  text.split('\n').forEach((raw, i) => {
    const m = /^([A-Za-z][A-Za-z_-]*):[ \t]*(.*)$/.exec(raw.replace(/\r$/, ''));
    if (m?.[1]) fields.push({ name: m[1], value: (m[2] ?? '').trim(), line: i + 1 });
  });
  return fields;
}

/** Bytes a `du -h` style size means, and how coarse its rounding is. */
export function parseHumanSize(text: string): { bytes: number; step: number } | undefined {
  const m = /^(\d+(?:\.(\d+))?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = 1024 ** ('KMGT'.indexOf((m[3] ?? '').toUpperCase()) + 1);
  const scale = m[3] ? unit : 1;
  const decimals = m[2]?.length ?? 0;
  return { bytes: Number(m[1]) * scale, step: scale / 10 ** decimals };
}

function checkOne(e: ExtensionFiles, text: string): Diagnostic[] {
  const file = `${e.file}.info`;
  const out: Diagnostic[] = [];
  const fields = parseInfo(text);
  const names = fields.map((f) => f.name);
  const problems: string[] = [];
  if (text.includes('\r')) problems.push('CRLF line endings');
  const missing = infoFieldOrder.filter((f) => !names.includes(f));
  if (missing.length) problems.push(`missing ${missing.join(', ')}`);
  const known = names.filter((n) => (infoFieldOrder as readonly string[]).includes(n));
  const expectedOrder = infoFieldOrder.filter((f) => names.includes(f));
  if (known.join() !== expectedOrder.join()) problems.push(`out of order: ${known.join(', ')}`);
  const empty = fields.filter((f) => f.value === '' && f.name !== 'Tags' && (infoFieldOrder as readonly string[]).includes(f.name));
  if (empty.length) problems.push(`empty ${empty.map((f) => f.name).join(', ')}`);
  if (problems.length) out.push(diag('info-fields', { file, ...(empty[0] ? { line: empty[0].line } : {}) }, `${e.name}.info: ${problems.join('; ')}`));
  const title = fields.find((f) => f.name === 'Title');
  if (title && title.value !== e.name) out.push(diag('info-title', { file, line: title.line }, `Title is ${JSON.stringify(title.value)}, the file is ${e.name}`));
  const size = fields.find((f) => f.name === 'Size');
  if (size) {
    const parsed = parseHumanSize(size.value);
    const ok = parsed !== undefined && Math.abs(parsed.bytes - e.sizeBytes) <= Math.max(parsed.step, 0.1 * e.sizeBytes);
    if (!ok) out.push(diag('info-size', { file, line: size.line }, `Size is ${JSON.stringify(size.value)}, ${e.name} is ${e.sizeBytes} bytes`));
  }
  return out;
}

export const infoCheck: Check = {
  id: 'info',
  description: '.info fields complete and ordered, Title and Size right',
  run(ctx) {
    return ctx.extensions.flatMap((e) =>
      e.infoText === undefined ? [diag('info-missing', { file: `${e.file}.info` }, `${e.name}.info is missing`)] : checkOne(e, e.infoText),
    );
  },
};
