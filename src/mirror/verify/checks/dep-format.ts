/** Check: .dep files are LF only, have no # lines, and name every dependency as NAME.tcz. Pure. */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import type { Check } from '../types.js';

export const depFormatCheck: Check = {
  id: 'dep-format',
  description: '.dep has LF endings, no comments, names ending in .tcz',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const e of ctx.extensions) {
      if (e.depText === undefined) continue;
      const file = `${e.file}.dep`;
      e.depText.split('\n').forEach((raw, i) => {
        const line = i + 1;
        if (raw.includes('\r')) out.push(diag('dep-crlf', { file, line }, `line ${line} ends with CR: tce-load would look for ${JSON.stringify(raw.trim())}`));
        const name = raw.replace(/[\t \r]+/g, '');
        if (name === '') return;
        if (name.startsWith('#')) out.push(diag('dep-comment', { file, line }, `${JSON.stringify(raw)} would be fetched as an extension named ${name}`));
        else if (!name.endsWith('.tcz')) out.push(diag('dep-suffix', { file, line }, `${name} has no .tcz suffix`, `write ${name}.tcz`));
      });
    }
    return out;
  },
};
