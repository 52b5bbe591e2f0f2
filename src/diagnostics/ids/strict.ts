/** Diagnostic ids of `lint --strict`. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const strictCodes = {
  'strict-todo': { severity: 'warning', exit: 0, title: 'a value still says TODO', hint: 'fill it in: `tczbuild new` marks every guess it could not back with TODO' },
  'strict-glob-syntax': {
    severity: 'warning', exit: 0,
    title: 'a pattern uses glob syntax tczbuild does not support',
    hint: 'patterns know * (within a segment), ** (across segments) and ? only; list the alternatives as separate patterns',
  },
  'strict-overlay-missing': { severity: 'warning', exit: 0, title: 'an overlay directory does not exist', hint: 'create rootfs-overlays/NAME/ or remove it from overlays:' },
  'strict-symlink-escapes': { severity: 'warning', exit: 0, title: 'a symlink points above the image root', hint: 'make the target stay inside the image, or use an absolute path on the box' },
  'strict-pattern-unmatched': {
    severity: 'warning', exit: 0,
    title: 'a pattern matches nothing in its source or in what the build stages',
    hint: 'fix the pattern against the archive listing (tar -tf, or the .list of a build), or remove it; archives are read from the download cache, so run `tczbuild fetch` first',
  },
} as const satisfies Record<string, DiagnosticCode>;
