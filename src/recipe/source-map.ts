/**
 * Positions for recipe diagnostics: turn a key path (as zod or a rule reports it) into the
 * 1-based line and column of that node in the YAML document. Pure.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Position } from '../diagnostics/diagnostic.js';
import { parseYamlLimited } from './yaml-limits.js';

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

/**
 * positionOf() for a recipe kept after loading: only the text is held, and the document is parsed
 * again when a position is asked for (a diagnostic, which is rare). A parsed YAML document costs
 * about 8 KB per one-file recipe, so holding one per recipe made a build's memory grow with the
 * recipe count (3,000 recipes: ~23 MB of documents nobody read). The last document parsed is kept,
 * since positions of one recipe tend to be asked for together.
 */
export function lazyPositionOf(file: string, text: string): (path: KeyPath) => Position {
  return (path) => {
    if (last?.text !== text || last.file !== file) {
      const yaml = parseYamlLimited(text);
      // the text parsed once already (the recipe was built from it); a document is always there
      last = { file, text, map: yaml.doc ? createSourceMap(file, yaml.doc, yaml.lines) : undefined };
    }
    return last.map?.at(path) ?? { file };
  };
}

let last: { readonly file: string; readonly text: string; readonly map: SourceMap | undefined } | undefined;

/** True if the node at `path` exists in the document (to tell "missing" from "wrong"). */
export function hasPath(doc: Document, path: KeyPath): boolean {
  return doc.hasIn(path);
}

export { isMap, isSeq };
