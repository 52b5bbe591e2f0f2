/**
 * Text edits to a recipe that keep everything else byte for byte: the yaml Document API finds
 * the nodes, and only their source ranges are replaced (no re-serialisation, so comments,
 * quoting, indentation and key order survive). Also inserts `sha256: unpinned` /
 * `digest: unpinned` where a source or image lacks the key, so such a recipe parses. Pure.
 */
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type Node, type YAMLMap } from 'yaml';

export type KeyPath = readonly (string | number)[];

export interface ScalarEdit {
  readonly path: KeyPath;
  readonly value: string;
}

function parse(text: string): Document {
  return parseDocument(text, { keepSourceTokens: false });
}

/** Replace the scalar at each path with `value`, keeping its quote style. Paths must exist. */
export function setScalars(text: string, edits: readonly ScalarEdit[]): string {
  const doc = parse(text);
  const spans = edits.map((e) => {
    const node = doc.getIn(e.path, true) as Node | undefined;
    if (!isScalar(node) || !node.range) throw new Error(`no scalar at ${e.path.join('.')}`);
    return { start: node.range[0], end: node.range[1], replacement: quoteLike(node, e.value) };
  });
  let out = text;
  for (const s of [...spans].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.replacement + out.slice(s.end);
  return out;
}

function quoteLike(node: Scalar, value: string): string {
  if (node.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  return value;
}

/**
 * Add `<key>: unpinned` to every block mapping in the list at `section` that has `after` but
 * not `key` (sources without sha256, images without digest), on the line after `after`'s value
 * with the same indentation. Flow-style entries are left alone.
 */
export function insertMissing(text: string, section: string, after: string, key: string): string {
  const doc = parse(text);
  const list = doc.get(section, true);
  if (!isSeq(list)) return text;
  const inserts: Array<{ at: number; line: string }> = [];
  for (const item of list.items) {
    if (!isMap(item) || item.flow || item.has(key)) continue;
    const pair = findPair(item, after);
    const keyStart = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
    const valueEnd = (pair?.value as Node | null | undefined)?.range?.[1];
    if (keyStart === undefined || valueEnd === undefined) continue;
    const column = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
    const newline = text.indexOf('\n', valueEnd);
    inserts.push({ at: newline === -1 ? text.length : newline + 1, line: `${' '.repeat(column)}${key}: unpinned\n` });
  }
  let out = text;
  for (const ins of inserts.sort((a, b) => b.at - a.at)) {
    const prefix = ins.at === out.length && !out.endsWith('\n') ? '\n' : '';
    out = out.slice(0, ins.at) + prefix + ins.line + out.slice(ins.at);
  }
  return out;
}

function findPair(map: YAMLMap, key: string): YAMLMap['items'][number] | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}
