/**
 * Positions for recipe diagnostics: turn a key path (as zod or a rule reports it) into the
 * 1-based line and column of that node in the YAML document. Pure.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Position } from '../diagnostics/diagnostic.js';

export type KeyPath = readonly (string | number)[];

export interface SourceMap {
  readonly file: string;
  /** Position of the value at `path`, or of its nearest existing ancestor. */
  at(path: KeyPath): Position;
  /** Position of the key `key` inside the mapping at `path` (for unknown keys). */
  atKey(path: KeyPath, key: string): Position;
  /** Position of a character offset (a node's range start). */
  atOffset(offset: number | undefined): Position;
}

export function createSourceMap(file: string, doc: Document, lines: LineCounter): SourceMap {
  const pos = (offset: number | undefined): Position => {
    if (offset === undefined) return { file };
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  const nodeAt = (path: KeyPath): Node | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) return node;
      if (n === 0) return doc.contents ?? undefined;
    }
    return undefined;
  };
  return {
    file,
    at: (path) => pos(nodeAt(path)?.range?.[0]),
    atOffset: pos,
    atKey(path, key) {
      const parent = nodeAt(path);
      if (isMap(parent)) {
        for (const pair of parent.items) {
          if (isScalar(pair.key) && pair.key.value === key) return pos(pair.key.range?.[0]);
        }
      }
      return pos(parent?.range?.[0]);
    },
  };
}

/** True if the node at `path` exists in the document (to tell "missing" from "wrong"). */
export function hasPath(doc: Document, path: KeyPath): boolean {
  return doc.hasIn(path);
}

export { isMap, isSeq };
