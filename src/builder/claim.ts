/**
 * Claim a path in the FileTable for one origin, refusing what would be unsafe or ambiguous:
 * writing below a symlink (that is how tar-slip escapes the stage) and two origins placing a
 * file at the same path. A directory that is also a TinyCore base directory (opt/, tmp/, ...)
 * gets the box's live owner and mode whatever the archive said, since tce-load copies it onto
 * the live directory. Pure.
 */
import type { Position } from '../diagnostics/diagnostic.js';
import { fail } from '../diagnostics/errors.js';
import { baseDir } from '../tinycore/base-system.js';
import type { FileTable, TableEntry } from './file-table.js';

export function claimPath(table: FileTable, path: string, entry: TableEntry, at: Position | undefined): void {
  const viaLink = table.symlinkAncestor(path);
  if (viaLink) fail('archive-unsafe-entry', at, `${entry.origin}: "${path}" would be written through the symlink "${viaLink}"`, 'the archive is not safe to unpack');
  const existing = table.get(path);
  const base = entry.type === 'dir' ? baseDir(path) : undefined;
  if (!existing) return table.set(path, base ? { ...entry, uid: base.uid, gid: base.gid, mode: base.mode } : entry);
  if (existing.type === 'dir' && entry.type === 'dir') return; // directories repeat across archives; first metadata stays
  fail(
    'duplicate-target',
    at,
    `"${path}" is placed by both ${existing.origin} and ${entry.origin}`,
    'narrow one source with extract.include/exclude, or move one of them with install.to',
  );
}
