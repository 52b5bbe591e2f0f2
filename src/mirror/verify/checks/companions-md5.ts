/** Check: NAME.tcz.md5.txt exists, is exactly md5sum's output for the bare name, and matches. Pure. */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import type { Check } from '../types.js';

export const md5Check: Check = {
  id: 'md5',
  description: '.md5.txt present, in md5sum format, matching the .tcz',
  run(ctx) {
    const out: Diagnostic[] = [];
    for (const e of ctx.extensions) {
      const file = `${e.file}.md5.txt`;
      if (e.md5Text === undefined) {
        out.push(diag('md5-missing', { file }, `${e.name}.md5.txt is missing: tce-load's md5sum -c fails`));
        continue;
      }
      const m = /^([0-9a-f]{32}) {2}(\S+)\n$/.exec(e.md5Text);
      if (!m || m[2] !== e.name) {
        out.push(diag('md5-format', { file, line: 1 }, `${JSON.stringify(e.md5Text.slice(0, 120))} is not \`<md5>  ${e.name}\\n\``));
      }
      const written = /^([0-9a-fA-F]{32})/.exec(e.md5Text)?.[1]?.toLowerCase();
      if (written !== e.md5Actual) out.push(diag('md5-mismatch', { file, line: 1 }, `${e.name} has md5 ${e.md5Actual}, its .md5.txt says ${written ?? 'nothing'}`));
    }
    return out;
  },
};
