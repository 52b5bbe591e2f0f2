/** Diagnostic ids of the mirror commands (serve, index) and upstream indexes. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const mirrorCodes = {
  'mirror-root-missing': { severity: 'error', exit: 1, title: 'the mirror directory does not exist', hint: 'run `tczbuild build` first or pass --out DIR' },
  'mirror-port-in-use': { severity: 'error', exit: 1, title: 'the server could not listen on the requested address', hint: 'pick another --port or --host' },
  'mirror-no-recipes': { severity: 'error', exit: 1, title: 'no recipes directory was found', hint: 'pass --recipes DIR' },
  'upstream-index-unavailable': { severity: 'error', exit: 1, title: "the upstream mirror's indexes could not be fetched", hint: 'check --upstream (the mirror base, the part before 11.x/) and the network, or leave --upstream out to index only this mirror' },
  'upstream-index-too-large': { severity: 'error', exit: 1, title: 'an upstream index file is far larger than any real one', hint: 'check that --upstream (or --upstream-index) names a TinyCore mirror; its md5.db.gz is about 100 KiB' },
  'nginx-path-unreachable': { severity: 'warning', exit: 0, title: "nginx's workers cannot reach a directory the printed site config names", hint: 'pass --out and --nginx-cache under directories other users may enter (e.g. /srv/tce and /var/cache/tczbuild-nginx), or run the workers as the owner (`user` in nginx.conf)' },
  'mirror-no-tcz-dir': { severity: 'error', exit: 1, title: 'no <major>.x/<arch>/tcz directory was found', hint: 'pass the tcz directory itself or an out/ tree that holds <major>.x/<arch>/tcz' },
} as const satisfies Record<string, DiagnosticCode>;
