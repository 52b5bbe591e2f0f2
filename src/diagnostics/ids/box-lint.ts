/** Diagnostic ids of lint of the box definitions under boxes/. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const boxLintCodes = {
  'box-unpinned': { severity: 'warning', exit: 0, title: 'a box boot file has no pinned sha256', hint: 'run `tczbuild pin` on a machine that reaches the URL; `tczbuild test` refuses it until then' },
  'box-release-unknown': {
    severity: 'warning', exit: 0,
    title: 'the box targets a TinyCore release tczbuild has no facts for',
    hint: 'add the release to src/tinycore/releases.ts with its public source, or pick a known release',
  },
} as const satisfies Record<string, DiagnosticCode>;
