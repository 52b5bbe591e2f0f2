/** Diagnostic ids of the output cache. Every one is a warning: a cache can only save work, never fail a build. */
import { registerCodes } from '../../diagnostics/codes.js';

registerCodes({
  'cache-entry-bad': {
    severity: 'warning',
    title: 'an output-cache entry or file does not match its sha256',
    hint: 'tczbuild built the extension itself and stored the correct bytes; if this repeats, the cache is corrupt or was tampered with',
  },
  'output-cache-unwritable': {
    severity: 'warning',
    title: 'a build could not be kept in the local output cache',
    hint: 'check free space and permissions of the cache directory (--cache), or prune it with `tczbuild clean --prune-cache`',
  },
  'remote-cache-unreachable': {
    severity: 'warning',
    title: 'the remote cache could not be reached',
    hint: 'the build goes on without it; check the --remote-cache URL and that the server is up',
  },
  'remote-cache-error': {
    severity: 'warning',
    title: 'the remote cache refused a request',
    hint: 'the build goes on without it; check the server log, its credentials and that it allows PUT (or pass --no-remote-cache-upload)',
  },
});
