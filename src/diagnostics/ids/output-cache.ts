/** Diagnostic ids of the local and remote output cache (every one a warning: a cache only saves work). Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const outputCacheCodes = {
  'cache-entry-bad': {
    severity: 'warning', exit: 0,
    title: 'an output-cache entry or file does not match its sha256',
    hint: 'tczbuild built the extension itself and stored the correct bytes; if this repeats, the cache is corrupt or was tampered with',
  },
  'output-cache-unwritable': {
    severity: 'warning', exit: 0,
    title: 'a build could not be kept in the local output cache',
    hint: 'check free space and permissions of the cache directory (--cache), or prune it with `tczbuild clean --prune-cache`',
  },
  'remote-cache-unreachable': {
    severity: 'warning', exit: 0,
    title: 'the remote cache could not be reached',
    hint: 'the build goes on without it; check the --remote-cache URL and that the server is up',
  },
  'remote-cache-error': {
    severity: 'warning', exit: 0,
    title: 'the remote cache refused a request',
    hint: 'the build goes on without it; check the server log, its credentials and that it allows PUT (or pass --no-remote-cache-upload)',
  },
} as const satisfies Record<string, DiagnosticCode>;
