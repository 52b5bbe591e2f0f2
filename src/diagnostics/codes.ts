/**
 * The one registry of diagnostic ids. Every id is declared once, in one of the tables under
 * ids/ (grouped by the part of tczbuild that raises it), with its severity, title, hint and exit
 * status; this module merges them. `DiagnosticId` is the union of their keys, and diag()/fail()
 * take only a `DiagnosticId`: an id nobody declared is a compile error where it is raised, not a
 * bug found at run time when some caller forgot to import the right table. Ids are part of the
 * CLI's contract (tests and `--json` consumers match on them), so an id is never renamed or
 * reused. docs/diagnostics.md lists them all (test/diagnostics/registry.test.ts keeps it true).
 * Pure data.
 */
import type { DiagnosticCode } from './code.js';
import { boxLintCodes } from './ids/box-lint.js';
import { boxCodes } from './ids/box.js';
import { coreCodes } from './ids/core.js';
import { hookLintCodes } from './ids/hook-lint.js';
import { imageCodes } from './ids/images.js';
import { kconfigCodes } from './ids/kconfig.js';
import { mirrorCodes } from './ids/mirror.js';
import { outputCacheCodes } from './ids/output-cache.js';
import { reproCodes } from './ids/repro.js';
import { serviceCodes } from './ids/services.js';
import { strictCodes } from './ids/strict.js';
import { verifyCodes } from './ids/verify.js';

export type { DiagnosticCode, DiagnosticExit, Severity } from './code.js';

/** Each table, named, so a test can check that no id is declared in two of them. */
export const codeTables = {
  core: coreCodes,
  box: boxCodes,
  'box-lint': boxLintCodes,
  images: imageCodes,
  kconfig: kconfigCodes,
  mirror: mirrorCodes,
  verify: verifyCodes,
  repro: reproCodes,
  services: serviceCodes,
  'hook-lint': hookLintCodes,
  strict: strictCodes,
  'output-cache': outputCacheCodes,
} as const;

export const codes = {
  ...coreCodes,
  ...boxCodes,
  ...boxLintCodes,
  ...imageCodes,
  ...kconfigCodes,
  ...mirrorCodes,
  ...verifyCodes,
  ...reproCodes,
  ...serviceCodes,
  ...hookLintCodes,
  ...strictCodes,
  ...outputCacheCodes,
} as const satisfies Record<string, DiagnosticCode>;

export type DiagnosticId = keyof typeof codes;

export function isDiagnosticId(id: string): id is DiagnosticId {
  return Object.hasOwn(codes, id);
}

export function lookupCode(id: DiagnosticId): DiagnosticCode {
  return codes[id];
}
