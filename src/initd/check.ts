/**
 * Semantic checks of a recipe's `services:` section that the schema cannot express: a faasd
 * service with nothing to import, images that land in a namespace faasd does not read,
 * `requires:` naming a script nobody ships, a namespace that does not fit the faasd version,
 * two services sharing a pidfile. Registers the
 * diagnostic ids it reports. Pure: reads the recipe only.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Recipe } from '../recipe/model.js';
import type { WrittenService } from '../recipe/schema-services.js';
import { daemonPidfile } from './daemon.js';

/** Namespace faasd uses for function images; importing there is legitimate too. */
const functionNamespace = 'openfaas-fn';

export function checkServices(recipe: Recipe): Diagnostic[] {
  const services = recipe.written.services ?? {};
  const out: Diagnostic[] = [];
  for (const [name, s] of Object.entries(services)) {
    out.push(...checkRequires(recipe, name, s, services));
    if (s.kind === 'faasd') out.push(...checkFaasdImages(recipe, name, s.namespace), ...checkFaasdNamespace(recipe, name, s.namespace));
  }
  out.push(...checkPidfiles(recipe, services), ...checkAfter(recipe, services));
  return out;
}

function checkRequires(recipe: Recipe, name: string, s: WrittenService, all: Readonly<Record<string, WrittenService>>): Diagnostic[] {
  if (s.kind === 'cgroupfs') return [];
  return s.requires.flatMap((req, i) => {
    const at = recipe.positionOf(['services', name, 'requires', i]);
    if (req === name) return [diag('service-requires-self', at, `service "${name}" requires itself`)];
    // A script from another extension is only there when that extension is a dependency.
    if (req in all || recipe.depends.includes(req)) return [];
    return [diag('service-requires-unknown', at, `service "${name}" requires "${req}", which is not a service of ${recipe.name} and not named in depends:`)];
  });
}

function checkFaasdImages(recipe: Recipe, name: string, namespace: string): Diagnostic[] {
  const images = recipe.written.images ?? [];
  if (images.length === 0) {
    return [diag('service-faasd-no-images', recipe.positionOf(['services', name]), `faasd service "${name}" has no images: to import, so its first start needs the network`)];
  }
  return images.flatMap((img, i) =>
    img.namespace === namespace || img.namespace === functionNamespace
      ? []
      : [
          diag(
            'service-image-namespace',
            recipe.positionOf(['images', i, 'namespace']),
            `image ${img.ref} is imported into namespace "${img.namespace}", but faasd service "${name}" runs its core services in "${namespace}"`,
          ),
        ],
  );
}

/**
 * faasd moved its core services from namespace default to openfaas in 0.10.0; images imported
 * into the other one are invisible to it and it pulls them again. Only judged when the
 * recipe version reads as faasd's MAJOR.MINOR.
 */
function checkFaasdNamespace(recipe: Recipe, name: string, namespace: string): Diagnostic[] {
  const m = /^v?(\d+)\.(\d+)/.exec(recipe.version);
  if (!m) return [];
  const expected = Number(m[1]) === 0 && Number(m[2]) < 10 ? 'default' : 'openfaas';
  if (namespace === expected) return [];
  return [
    diag(
      'service-faasd-namespace',
      recipe.positionOf(['services', name, 'namespace']),
      `faasd ${recipe.version} runs its core services in namespace "${expected}", but service "${name}" says "${namespace}"`,
    ),
  ];
}

function checkPidfiles(recipe: Recipe, services: Readonly<Record<string, WrittenService>>): Diagnostic[] {
  const seen = new Map<string, string>();
  const out: Diagnostic[] = [];
  const note = (pidfile: string, owner: string, path: (string | number)[]) => {
    const first = seen.get(pidfile);
    if (first === undefined) seen.set(pidfile, owner);
    else out.push(diag('service-pidfile-shared', recipe.positionOf(path), `${owner} and ${first} both use the pidfile ${pidfile}`));
  };
  for (const [name, s] of Object.entries(services)) {
    if (s.kind === 'containerd') note(s.pidfile, name, ['services', name, 'pidfile']);
    if (s.kind === 'daemon') note(daemonPidfile(name, s), name, ['services', name, s.pidfile === undefined ? 'kind' : 'pidfile']);
    if (s.kind === 'faasd') {
      note(s.provider.pidfile, `${name} provider`, ['services', name, 'provider', 'pidfile']);
      note(s.up.pidfile, `${name} up`, ['services', name, 'up', 'pidfile']);
    }
  }
  return out;
}

/**
 * after: may name services of other extensions (only ordering, so unknown names are fine),
 * but a service after itself, or a circle among this recipe's own services, has no start order.
 */
function checkAfter(recipe: Recipe, services: Readonly<Record<string, WrittenService>>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const after = (n: string): readonly string[] => {
    const s = services[n];
    return s !== undefined && s.kind === 'daemon' ? s.after : [];
  };
  for (const name of Object.keys(services)) {
    after(name).forEach((other, i) => {
      if (other === name) out.push(diag('service-after-self', recipe.positionOf(['services', name, 'after', i]), `service "${name}" is ordered after itself`));
    });
    const path = cycleFrom(name, after);
    // Reported once, at the alphabetically first member, so a cycle is one diagnostic.
    if (path !== undefined && path.every((n) => n >= name)) {
      out.push(diag('service-after-cycle', recipe.positionOf(['services', name, 'after']), `after: orders ${[...path, name].join(' → ')} in a circle`));
    }
  }
  return out;
}

function cycleFrom(start: string, next: (n: string) => readonly string[]): string[] | undefined {
  const walk = (n: string, path: string[]): string[] | undefined => {
    for (const m of next(n)) {
      if (m === n) continue;
      if (m === start) return path;
      if (path.includes(m)) continue;
      const found = walk(m, [...path, m]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}
