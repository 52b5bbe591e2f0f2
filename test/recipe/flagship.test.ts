import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { renderRecipeJsonSchema } from '../../src/recipe/json-schema.js';
import { normalizeRecipe } from '../../src/recipe/normalize.js';
import { parseRecipe } from '../../src/recipe/parse.js';
import { renderDep } from '../../src/builder/companions.js';
import { recipeFromYaml } from '../initd/helpers/recipe.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';

const repo = new URL('../..', import.meta.url).pathname;

describe('the flagship recipes', () => {
  it('publish a JSON Schema that matches the validator', async () => {
    expect(await readFile(`${repo}recipes/recipe.schema.json`, 'utf8')).toBe(renderRecipeJsonSchema());
  });

  it('lint clean and list exactly what is unpinned (faasd binaries, faas-cli, the three images no public file pins)', async () => {
    const run = await tczbuild(['lint', '--json'], { cwd: repo });
    expect(run.code).toBe(0);
    const found = diagnosticsOf(run).map((d) => `${d.id} ${d.file}:${d.line}`);
    expect(found.filter((d) => d.startsWith('source-unpinned'))).toEqual(['source-unpinned recipes/faasd.yaml:42', 'source-unpinned recipes/faasd.yaml:47']);
    expect(found.filter((d) => d.startsWith('image-unpinned'))).toHaveLength(3);
    const recipeFindings = found.filter((d) => !d.startsWith('box-unpinned'));
    expect(recipeFindings.every((d) => d.includes('recipes/faasd.yaml'))).toBe(true);
    // the shipped boxes: kernel and two initrds each, all waiting for `tczbuild pin`
    expect(found.filter((d) => d.startsWith('box-unpinned')).map((d) => d.replace(/:\d+$/, ''))).toEqual(
      ['11', '15', '16', '17'].flatMap((v) => Array(3).fill(`box-unpinned boxes/tinycore-${v}.x-x86_64.yaml`)),
    );
  });

  it('are refused by `all` before any download, each unpinned input named with the fix', async () => {
    const run = await tczbuild(['all', '--json', '--out', '/nonexistent/never-created'], { cwd: repo });
    expect(run.code).toBe(1);
    const ids = diagnosticsOf(run).map((d) => d.id);
    expect(ids.filter((i) => i === 'source-hash-missing')).toHaveLength(2);
    expect(ids.filter((i) => i === 'image-digest-missing')).toHaveLength(3);
    expect(run.events.some((e) => e.type === 'stage-end')).toBe(false);
  });

  it("containerd ships nothing under opt/ or lib64/ and its hook links /lib64 (upstream's loader path) and /opt/cni/bin", async () => {
    const text = await readFile(`${repo}recipes/containerd.yaml`, 'utf8');
    const recipe = recipeFromYaml(text, 'containerd.yaml');
    const into = recipe.sources.map((s) => s.extract?.into ?? s.install?.to ?? '');
    expect(into.filter((p) => /^(opt|lib64)(\/|$)/.test(p))).toEqual([]);
    const hook = generateInitFiles(recipe, { tcVersion: '11', arch: 'x86_64' }).find((f) => f.path === 'usr/local/tce.installed/containerd');
    expect(hook?.content).toMatch(/^box_link \/lib64 lib {2}# /m);
    expect(hook?.content).toMatch(/^box_link \/opt\/cni\/bin \/usr\/local\/lib\/cni\/bin {2}# /m);
  });

  it('pin the two image digests public files give, exactly as docs/facts.md records them with their source', async () => {
    const text = await readFile(`${repo}recipes/faasd.yaml`, 'utf8');
    const facts = await readFile(`${repo}docs/facts.md`, 'utf8');
    const pins: Record<string, string> = {
      'docker.io/prom/prometheus:v2.14.0': 'sha256:907e20b3b0f8b0a76a33c088fe9827e8edc180e874bd2173c27089eade63d8b8',
      'docker.io/library/nats-streaming:0.11.2': 'sha256:6b0c76c6a6570ad066a20a32d0de15e4e023524c5eac7076fa765ec91a12ff67',
    };
    // docs/facts.md: one table row per image, `| `ref` ... | `digest` | where it was read |
    const factRow = (ref: string): string[] => (facts.split('\n').find((l) => l.startsWith(`| \`${ref}\``)) ?? '').split('|').map((c) => c.trim());
    for (const [ref, digest] of Object.entries(pins)) {
      const row = factRow(ref);
      expect(row[2], ref).toBe(`\`${digest}\``);
      expect(row[3]?.length ?? 0, ref).toBeGreaterThan(40);
    }
    expect(factRow('docker.io/prom/prometheus:v2.14.0')[3]).toContain('welteki/faasd-nix');
    expect(factRow('docker.io/library/nats-streaming:0.11.2')[3]).toContain('repo-info');
    const recipe = recipeFromYaml(text, 'faasd.yaml');
    for (const [ref, digest] of Object.entries(pins)) {
      expect(recipe.written.images?.find((i) => i.ref === ref)?.digest).toBe(digest);
    }
    expect(text).toMatch(/welteki\/faasd-nix[\s\S]*digest: sha256:907e20b3/);
    expect(text).toMatch(/repo-info[\s\S]*digest: sha256:6b0c76c6/);
    expect(recipe.written.images?.filter((i) => i.digest === 'unpinned').map((i) => i.ref)).toEqual([
      'docker.io/openfaas/basic-auth-plugin:0.18.18',
      'docker.io/openfaas/gateway:0.18.18',
      'docker.io/openfaas/queue-worker:0.11.2',
    ]);
  });

  it("containerd.tcz.dep names overlayfs-KERNEL.tcz only for TinyCore 11, whose kernel lacks overlayfs", async () => {
    const parsed = parseRecipe(await readFile(`${repo}recipes/containerd.yaml`, 'utf8'), 'containerd.yaml');
    if (!parsed.ok) throw new Error('containerd.yaml does not parse');
    const dep = (tcVersion: string): string | undefined => renderDep(normalizeRecipe(parsed.value, parsed.map, { tcVersion, arch: 'x86_64' }).recipe.depends);
    expect(dep('11')).toBe('iptables.tcz\nnetfilter-KERNEL.tcz\noverlayfs-KERNEL.tcz\n');
    expect(dep('15')).toBe('iptables.tcz\nnetfilter-KERNEL.tcz\n');
  });

  it('faasd starts its provider with --pull-policy IfNotPresent, so images already on the box deploy without a registry', () => {
    const parsed = parseRecipe(readFileSync(`${repo}recipes/faasd.yaml`, 'utf8'), 'recipes/faasd.yaml');
    if (!parsed.ok) throw new Error('recipes/faasd.yaml does not parse');
    const faasd = parsed.value.services?.['faasd'];
    expect(faasd?.kind === 'faasd' ? faasd.provider.args : []).toEqual(['--pull-policy', 'IfNotPresent']);
    expect(faasd?.kind === 'faasd' ? faasd['stop-timeout'] : 0).toBeGreaterThanOrEqual(5 * 30);
  });

  it("no recipe's test: steps use `wget -T`, which Debian's BusyBox 1.35 answers with a segfault", async () => {
    for (const name of ['containerd', 'faasd']) {
      const parsed = parseRecipe(await readFile(`${repo}recipes/${name}.yaml`, 'utf8'), `recipes/${name}.yaml`);
      if (!parsed.ok) throw new Error(`recipes/${name}.yaml does not parse`);
      expect(parsed.value.test?.length ?? 0).toBeGreaterThan(0);
      for (const step of parsed.value.test ?? []) expect(step.run, `${name}: ${step.name}`).not.toMatch(/\bwget\b[^\n|;&]*\s-T\b/);
    }
  });
});
