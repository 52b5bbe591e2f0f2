import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { normalizeRecipe } from '../../src/recipe/normalize.js';
import { parseRecipe } from '../../src/recipe/parse.js';
import { fixtureRecipe, recipeFromYaml, recipeHead, target } from './helpers/recipe.js';

const containerd = generateInitFiles(fixtureRecipe('containerd'), target);
const faasd = generateInitFiles(fixtureRecipe('faasd'), target);
const webd = generateInitFiles(fixtureRecipe('webd'), target);
const all = [...containerd, ...faasd, ...webd];

function text(content: unknown): string {
  if (typeof content !== 'string') throw new Error('init files are generated as text');
  return content;
}

describe('generateInitFiles', () => {
  it('returns one script per service under usr/local/etc/init.d and the tce.installed hook', () => {
    expect(containerd.map((f) => f.path)).toEqual([
      'usr/local/etc/init.d/cgroupfs',
      'usr/local/etc/init.d/containerd',
      'usr/local/tce.installed/containerd',
    ]);
    expect(faasd.map((f) => f.path)).toEqual(['usr/local/etc/init.d/faasd', 'usr/local/tce.installed/faasd']);
  });

  it('makes scripts root:root 0755 and the hook root:staff 0775', () => {
    for (const f of all) {
      if (f.path.startsWith('usr/local/tce.installed/')) expect([f.mode, f.uid, f.gid]).toEqual([0o775, 0, 50]);
      else expect([f.mode, f.uid, f.gid]).toEqual([0o755, 0, 0]);
    }
  });

  it('generates nothing for a recipe without services', () => {
    const recipe = recipeFromYaml('name: plain\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\n');
    expect(generateInitFiles(recipe, target)).toEqual([]);
  });

  it('is reproducible: the same recipe gives the same bytes, with no dates in them', () => {
    const again = generateInitFiles(fixtureRecipe('faasd'), target);
    expect(again).toEqual(faasd);
    for (const f of all) expect(text(f.content)).not.toMatch(/20\d\d-\d\d-\d\d|\d\d:\d\d:\d\d/);
  });

  it.each(all.map((f) => [f.path.replace(/\//g, '_'), f] as const))('pins %s with a golden file', async (name, f) => {
    await expect(text(f.content)).toMatchFileSnapshot(`golden/${name}`);
  });

  it('passes shellcheck -s sh with no warnings for every generated script, the flagship recipes included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-initd-sc-'));
    try {
      const files = await Promise.all(
        [...all, ...flagshipFiles()].map(async (f, i) => {
          const p = join(dir, `${i}-${f.path.split('/').pop() ?? 'script'}`);
          await writeFile(p, text(f.content));
          return p;
        }),
      );
      const r = await execa('shellcheck', ['-s', 'sh', '-S', 'style', ...files], { reject: false });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000); // shellcheck over every script: seconds on a loaded machine

  it('uses none of the tools Debian busybox lacks, and no bash syntax', () => {
    for (const f of all) {
      const body = text(f.content).split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
      expect(body).not.toMatch(/\b(mountpoint|pgrep|pkill|nohup|flock|blkid)\b/);
      expect(body).not.toMatch(/\[\[|^\s*local\s|^\s*function\s|\$\{[A-Za-z_]+\/\/|<<<|^\s*source\s/m);
    }
  });

  it('quotes values with shell metacharacters so they stay one word', () => {
    const recipe = recipeFromYaml(`${recipeHead('odd')}services:
  faasd:
    kind: faasd
    namespace: openfaas
    provider:
      args: ["--flag=it's $HOME; rm -rf /"]
      env: { greeting: "a \\"b\\" \`c\`" }
`);
    const script = text(generateInitFiles(recipe, target)[0]?.content);
    expect(script).toContain(`exec faasd provider '--flag=it'\\''s $HOME; rm -rf /'`);
    expect(script).toContain(`export greeting='a "b" \`c\`'`);
  });
});

/** The project's own recipes (recipes/*.yaml), so a recipe edit cannot produce a script shellcheck rejects. */
function flagshipFiles() {
  const dir = join(import.meta.dirname, '..', '..', 'recipes');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => {
      const parsed = parseRecipe(readFileSync(join(dir, f), 'utf8'), `recipes/${f}`);
      if (!parsed.ok) throw new Error(`recipes/${f} does not parse: ${parsed.diagnostics.map((d) => d.message).join('; ')}`);
      return generateInitFiles(normalizeRecipe(parsed.value, parsed.map, target).recipe, target);
    });
}
