/** Check: NAME.tcz.list names exactly the image's files and symlinks, once each, no directories. Pure. */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import type { Check } from '../types.js';

export const listCheck: Check = {
  id: 'list',
  description: '.list equals the image content',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const e of ctx.extensions) {
      if (e.image.error) continue;
      const file = `${e.file}.list`;
      if (e.listText === undefined) {
        out.push(diag('list-missing', { file }, `${e.name}.list is missing`));
        continue;
      }
      const listed = e.listText.split('\n').filter((l) => l !== '');
      const actual = e.image.entries.filter((x) => x.type !== 'dir').map((x) => x.path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const inImage = new Set(actual);
      const inList = new Set(listed);
      const extra = listed.filter((p) => !inImage.has(p));
      const missing = actual.filter((p) => !inList.has(p));
      const problems = [
        ...(missing.length ? [`not listed: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5})` : ''}`] : []),
        ...(extra.length ? [`listed but not in the image: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` (+${extra.length - 5})` : ''}`] : []),
        // order is not judged: `sort` orders by the packer's locale, and no client depends on it
        ...(inList.size !== listed.length ? ['has duplicate lines'] : []),
      ];
      if (problems.length) out.push(diag('list-mismatch', { file }, `${e.name}.list differs from the image: ${problems.join('; ')}`));
    }
    return out;
  },
};
