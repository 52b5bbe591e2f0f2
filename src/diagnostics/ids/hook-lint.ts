/** Diagnostic ids of lint of a recipe's own hook body. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const hookLintCodes = {
  'hook-syntax': {
    severity: 'error', exit: 1,
    title: "the recipe's hook body is not valid shell for BusyBox ash",
    hint: 'fix the line named; tce-load would run a hook that stops at the syntax error',
  },
  'hook-shellcheck': { severity: 'warning', exit: 0, title: 'shellcheck finds a problem in the recipe hook body', hint: 'fix it, or add a `# shellcheck disable=SCxxxx` comment saying why' },
  'hook-check-skipped': {
    severity: 'warning', exit: 0,
    title: 'a hook body could not be checked',
    hint: 'install shellcheck and busybox (apt-get install shellcheck busybox-static) so lint can check hook bodies',
  },
} as const satisfies Record<string, DiagnosticCode>;
