/**
 * FileTable: the single source of truth for what an image contains and each path's type,
 * mode and owner. Staging writes bytes to disk; this table decides metadata and is handed to
 * mksquashfs as pseudo definitions, so the result never depends on who ran the build or the
 * umask. Never read modes or owners back from the staged disk. Pure.
 */
import { parentDirs } from '../recipe/paths.js';
import { imageDirDefaults, STAFF_GID } from '../tinycore/base-system.js';

export type EntryType = 'file' | 'dir' | 'symlink';

export interface TableEntry {
  readonly type: EntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Symlink target, for symlinks. */
  readonly target?: string;
  /** Who put it there (a source id, an overlay, a generator): for conflict messages. */
  readonly origin: string;
}

export const TCE_INSTALLED = 'usr/local/tce.installed';
export { STAFF_GID };

/** Directory defaults: a TinyCore base directory's live owner/mode (opt/ root:staff 0775, tce.installed root:staff 0775), else root:root 0755. */
export function defaultDirEntry(path: string, origin: string): TableEntry {
  return { type: 'dir', ...imageDirDefaults(path), origin };
}

export class FileTable {
  private readonly entries = new Map<string, TableEntry>();

  get(path: string): TableEntry | undefined {
    return this.entries.get(path);
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Add or replace an entry, creating missing parent directories with their defaults. */
  set(path: string, entry: TableEntry): void {
    for (const dir of parentDirs(path)) {
      if (!this.entries.has(dir)) this.entries.set(dir, defaultDirEntry(dir, entry.origin));
    }
    this.entries.set(path, entry);
  }

  /** Change mode/owner of an existing entry (recipe `files:` overrides). */
  update(path: string, change: { mode?: number; uid?: number; gid?: number }): void {
    const e = this.entries.get(path);
    if (!e) throw new Error(`no such entry: ${path}`);
    this.entries.set(path, {
      ...e,
      ...(change.mode !== undefined ? { mode: change.mode } : {}),
      ...(change.uid !== undefined ? { uid: change.uid } : {}),
      ...(change.gid !== undefined ? { gid: change.gid } : {}),
    });
  }

  delete(path: string): void {
    this.entries.delete(path);
  }

  /** The first ancestor of `path` that is a symlink: writing through it would leave the tree. */
  symlinkAncestor(path: string): string | undefined {
    return parentDirs(path).find((dir) => this.entries.get(dir)?.type === 'symlink');
  }

  /** Every path, sorted by byte order (the order .list and pseudo files use). */
  paths(): string[] {
    return [...this.entries.keys()].sort(compareBytes);
  }

  *[Symbol.iterator](): IterableIterator<[string, TableEntry]> {
    for (const p of this.paths()) yield [p, this.entries.get(p)!];
  }
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The .list content: every file and symlink, no directories, sorted. */
export function listedPaths(table: FileTable): string[] {
  return table.paths().filter((p) => table.get(p)!.type !== 'dir');
}

/** mksquashfs pseudo definitions that set mode and owner of every staged path, one per path. */
export function pseudoLines(table: FileTable): string[] {
  const out: string[] = [];
  for (const [path, e] of table) out.push(`${path} m ${e.mode.toString(8).padStart(4, '0')} ${e.uid} ${e.gid}`);
  return out;
}

/** Pseudo definitions (pseudoLines) as the text of a pseudo file. */
export function pseudoFileText(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** The table's pseudo definitions as a pseudo file. */
export function renderPseudoFile(table: FileTable): string {
  return pseudoFileText(pseudoLines(table));
}
