/** Diagnostic ids of `verify --repro`. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const reproCodes = {
  'repro-mismatch': { severity: 'error', exit: 1, title: 'a rebuild from the recipes gives different bytes', hint: 'rebuild and republish from the current recipes and sources; if two clean builds differ, report it as a reproducibility bug' },
  'repro-no-recipe': { severity: 'warning', exit: 0, title: 'an extension has no recipe to rebuild it from', hint: 'ignore it for upstream or hand-made extensions, or add its recipe' },
  'repro-build-failed': { severity: 'error', exit: 1, title: 'the reproducibility rebuild failed', hint: 'fix the build errors above (sources missing from the cache need network or --source-mirror)' },
} as const satisfies Record<string, DiagnosticCode>;
