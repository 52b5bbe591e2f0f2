/** Diagnostic ids of checks of a recipe's services: section. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const serviceCodes = {
  'service-faasd-no-images': {
    severity: 'warning', exit: 0,
    title: 'a faasd service has no images to import',
    hint: 'bundle the compose images under images: so faasd starts offline, or accept that it pulls them at first start',
  },
  'service-image-namespace': {
    severity: 'warning', exit: 0,
    title: 'an image is imported into a namespace faasd does not use',
    hint: 'core images go into the faasd namespace (default for 0.9.x, openfaas from 0.10); function images into openfaas-fn',
  },
  'service-requires-unknown': {
    severity: 'warning', exit: 0,
    title: 'requires: names an init script that is neither a service of this recipe nor named after a dependency',
    hint: 'name a service of this recipe, or make sure an extension in depends: ships /usr/local/etc/init.d/<name>',
  },
  'service-faasd-namespace': {
    severity: 'warning', exit: 0,
    title: 'the faasd namespace does not match the faasd version',
    hint: 'faasd 0.9.x runs its core services in namespace default; 0.10.0 and later in openfaas',
  },
  'service-requires-self': { severity: 'error', exit: 1, title: 'a service requires itself', hint: 'remove the name from its own requires:' },
  'service-after-self': { severity: 'error', exit: 1, title: 'a service is ordered after itself', hint: 'remove the name from its own after:' },
  'service-after-cycle': {
    severity: 'error', exit: 1,
    title: "the services of a recipe order each other in a circle through after:",
    hint: 'remove one of the after: entries so the start order has a beginning',
  },
  'service-pidfile-shared': {
    severity: 'error', exit: 1,
    title: 'two daemons use the same pidfile',
    hint: 'give each service its own pidfile: path',
  },
} as const satisfies Record<string, DiagnosticCode>;
