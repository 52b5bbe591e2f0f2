import { describe, expect, it } from 'vitest';
import { checkServices, imageTarballPath } from '../../src/initd/index.js';
import { fixtureRecipe, recipeFromYaml } from './helpers/recipe.js';

const head = 'version: "1"\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\n';

describe('checkServices', () => {
  it('accepts the containerd and faasd fixtures', () => {
    expect(checkServices(fixtureRecipe('containerd'))).toEqual([]);
    expect(checkServices(fixtureRecipe('faasd'))).toEqual([]);
  });

  it('warns when a faasd service has no images to import, at the service line', () => {
    const r = recipeFromYaml(`name: f\n${head}services:\n  faasd:\n    kind: faasd\n    namespace: openfaas\n`, 'f.yaml');
    expect(checkServices(r)).toMatchObject([{ id: 'service-faasd-no-images', severity: 'warning', file: 'f.yaml', line: 9 }]);
  });

  it('warns about images imported into a namespace faasd does not use, but not openfaas-fn', () => {
    const r = recipeFromYaml(
      `name: f\n${head}images:\n  - { ref: docker.io/openfaas/gateway:0.27.12, digest: unpinned }\n  - { ref: docker.io/functions/figlet:latest, digest: unpinned, namespace: openfaas-fn }\n` +
        `services:\n  faasd: { kind: faasd, namespace: openfaas }\n`,
    );
    const d = checkServices(r);
    expect(d.map((x) => x.id)).toEqual(['service-image-namespace']);
    expect(d[0]?.message).toContain('docker.io/openfaas/gateway:0.27.12');
  });

  it('warns when the namespace does not fit the faasd version (default before 0.10, openfaas after)', () => {
    const at = (version: string, ns: string) =>
      checkServices(recipeFromYaml(`name: f\nversion: "${version}"\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\nimages: [{ ref: docker.io/x/y:1, digest: unpinned, namespace: ${ns} }]\nservices:\n  faasd: { kind: faasd, namespace: ${ns} }\n`)).map((d) => d.id);
    expect(at('0.9.5', 'default')).toEqual([]);
    expect(at('0.19.0', 'openfaas')).toEqual([]);
    expect(at('0.19.0', 'default')).toEqual(['service-faasd-namespace']);
    expect(at('0.9.5', 'openfaas')).toEqual(['service-faasd-namespace']);
  });

  it('flags requires: naming a script no service and no dependency provides, and a service requiring itself', () => {
    const r = recipeFromYaml(`name: f\n${head}services:\n  containerd: { kind: containerd, requires: [cgroupz, containerd] }\n`);
    expect(checkServices(r).map((x) => x.id)).toEqual(['service-requires-unknown', 'service-requires-self']);
    const viaDep = recipeFromYaml(`name: f\n${head}depends: [containerd.tcz]\nservices:\n  f: { kind: containerd, requires: [containerd] }\n`);
    expect(checkServices(viaDep)).toEqual([]);
  });

  it('rejects two daemons sharing a pidfile', () => {
    const r = recipeFromYaml(
      `name: f\n${head}services:\n  a: { kind: containerd }\n  b: { kind: containerd, pidfile: /var/run/containerd.pid, socket: /run/b.sock }\n`,
    );
    expect(checkServices(r).map((x) => x.id)).toEqual(['service-pidfile-shared']);
  });
});

describe('imageTarballPath', () => {
  it('defaults to usr/local/share/<recipe>/images/<last repository segment>.tar', () => {
    expect(imageTarballPath('faasd', 'docker.io/openfaas/gateway:0.18.18')).toBe('usr/local/share/faasd/images/gateway.tar');
    expect(imageTarballPath('faasd', 'localhost:5000/a/nats:1')).toBe('usr/local/share/faasd/images/nats.tar');
    expect(imageTarballPath('faasd', 'localhost:5000/queue-worker')).toBe('usr/local/share/faasd/images/queue-worker.tar');
  });

  it('uses the recipe to: path when given, without a leading slash', () => {
    expect(imageTarballPath('faasd', 'docker.io/x/y:1', '/opt/images/y.tar')).toBe('opt/images/y.tar');
  });

  it('accepts the daemon fixture, and names a daemon ordered after itself and a circle of after:', () => {
    expect(checkServices(fixtureRecipe('webd'))).toEqual([]);
    const d = (yaml: string) => checkServices(recipeFromYaml(`name: f\n${head}services:\n${yaml}`, 'f.yaml'));
    expect(d('  a: { kind: daemon, command: a, after: [a] }\n').map((x) => x.id)).toEqual(['service-after-self']);
    const circle = d('  a: { kind: daemon, command: a, after: [b] }\n  b: { kind: daemon, command: b, after: [c] }\n  c: { kind: daemon, command: c, after: [a, elsewhere] }\n');
    expect(circle.map((x) => [x.id, x.message])).toEqual([['service-after-cycle', 'after: orders a → b → c → a in a circle']]);
    // another extension's service is only ordering: no diagnostic
    expect(d('  a: { kind: daemon, command: a, after: [dropbear] }\n')).toEqual([]);
  });

  it('names two daemons that default to distinct pidfiles only when they really share one', () => {
    const d = checkServices(recipeFromYaml(`name: f\n${head}services:\n  a: { kind: daemon, command: a }\n  b: { kind: daemon, command: b, pidfile: /var/run/a.pid }\n`));
    expect(d.map((x) => [x.id, x.message])).toEqual([['service-pidfile-shared', 'b and a both use the pidfile /var/run/a.pid']]);
  });
});
