/**
 * Check: the mirror-wide indexes the TinyCore client scripts fetch exist as `.gz` and agree
 * with the files: md5.db carries each extension's .md5.txt line verbatim (tce-update compares
 * them and would call a current extension outdated), dep.db its .dep, sizelist its size,
 * info.lst its name. Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import { indexFileNames, parseInfoLst, parseMd5Db, parseRecordDb, parseSizelist, parseTagsDb } from '../../index-parse.js';
import { parseDepText, tagsFromInfo } from '../../indexes.js';
import type { Check, VerifyContext } from '../types.js';

function stale(ctx: VerifyContext, file: string, names: string[]): Diagnostic[] {
  if (names.length === 0) return [];
  const shown = `${ctx.shownDir}/${file}.gz`;
  return [diag('index-stale', { file: shown }, `${file}.gz disagrees with ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` (+${names.length - 5})` : ''}`)];
}

export const indexesCheck: Check = {
  id: 'indexes',
  description: 'md5.db, dep.db, sizelist, info.lst, tags.db, provides.db (.gz) present and in step with the files',
  run(ctx) {
    if (ctx.extensions.length === 0) return [];
    const missing = indexFileNames.filter((f) => ctx.indexTexts[f] === undefined);
    const out: Diagnostic[] = missing.length
      ? [diag('index-missing', { file: ctx.shownDir }, `missing or not gzip: ${missing.map((f) => `${f}.gz`).join(', ')}`)]
      : [];
    const t = ctx.indexTexts;
    if (t['md5.db'] !== undefined) {
      const md5 = parseMd5Db(t['md5.db']);
      out.push(...stale(ctx, 'md5.db', ctx.extensions.filter((e) => e.md5Text !== undefined && md5.get(e.name) !== e.md5Text.split('\n')[0]?.trim()).map((e) => e.name)));
    }
    if (t['dep.db'] !== undefined) {
      const deps = parseRecordDb(t['dep.db']);
      out.push(...stale(ctx, 'dep.db', ctx.extensions.filter((e) => (deps.get(e.name) ?? ['<absent>']).join('\n') !== parseDepText(e.depText ?? '').join('\n')).map((e) => e.name)));
    }
    if (t.sizelist !== undefined) {
      const sizes = parseSizelist(t.sizelist);
      out.push(...stale(ctx, 'sizelist', ctx.extensions.filter((e) => sizes.get(e.name) !== String(e.sizeBytes)).map((e) => e.name)));
    }
    if (t['tags.db'] !== undefined) {
      const tags = parseTagsDb(t['tags.db']);
      out.push(...stale(ctx, 'tags.db', ctx.extensions.filter((e) => e.infoText !== undefined && (tags.get(e.name) ?? ['<absent>']).join(' ') !== tagsFromInfo(e.infoText).join(' ')).map((e) => e.name)));
    }
    if (t['provides.db'] !== undefined) {
      const provides = parseRecordDb(t['provides.db']);
      const listed = (text: string): string => text.split('\n').filter((l) => l.trim() !== '').join('\n');
      out.push(...stale(ctx, 'provides.db', ctx.extensions.filter((e) => e.listText !== undefined && (provides.get(e.name) ?? ['<absent>']).join('\n') !== listed(e.listText)).map((e) => e.name)));
    }
    if (t['info.lst'] !== undefined) {
      const names = parseInfoLst(t['info.lst']);
      out.push(...stale(ctx, 'info.lst', ctx.extensions.filter((e) => !names.has(e.name)).map((e) => e.name)));
    }
    return out;
  },
};
