/**
 * A project with two complete recipe sets, A and B, over the same out/: every extension differs
 * between them (alpha's version, beta's source, gamma through its dependency on alpha), so a
 * half-published mirror would show as a mix of A and B files. Sources are local file:// URLs
 * with a few MB of incompressible bytes so packing and publishing take measurable time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTarGz } from '../../helpers/tarball.js';
import { noise, sha256Of } from './artifacts.js';
import { projectDirs, type ProjectDirs } from './run.js';

export interface MirrorProject extends ProjectDirs {
  readonly recipesA: string;
  readonly recipesB: string;
}

const info = 'description: Interruption fixture\nauthor: Test\noriginal-site: https://example.invalid\ncopying-policy: MIT\n';

function recipe(name: string, version: string, url: string, sha: string, depends: readonly string[]): string {
  return (
    `name: ${name}\nversion: "${version}"\n${info}` +
    (depends.length ? `depends: [${depends.join(', ')}]\n` : '') +
    `sources:\n  - url: ${url}\n    sha256: ${sha}\n    extract: { strip: 1, into: usr/local/lib/${name} }\n`
  );
}

export async function createMirrorProject(dir: string, megabytes = 3): Promise<MirrorProject> {
  const p = projectDirs(dir);
  const sources = join(dir, 'sources');
  await mkdir(sources, { recursive: true });
  const archive = async (file: string, top: string, seed: string): Promise<{ url: string; sha: string }> => {
    const bytes = await makeTarGz([
      { name: `${top}/data.bin`, content: Buffer.concat([Buffer.from(seed), noise(megabytes * 1024 ** 2)]) },
      { name: `${top}/README`, content: `${seed}\n` },
    ]);
    await writeFile(join(sources, file), bytes);
    return { url: pathToFileURL(join(sources, file)).href, sha: sha256Of(bytes) };
  };
  const alpha = await archive('alpha.tar.gz', 'alpha', 'alpha');
  const beta1 = await archive('beta-1.tar.gz', 'beta', 'beta one');
  const beta2 = await archive('beta-2.tar.gz', 'beta', 'beta two');
  const gamma = await archive('gamma.tar.gz', 'gamma', 'gamma');
  const recipesA = join(dir, 'recipesA');
  const recipesB = join(dir, 'recipesB');
  const sets: Array<[string, string, { url: string; sha: string }]> = [
    [recipesA, '1.0', beta1],
    [recipesB, '1.1', beta2],
  ];
  for (const [where, alphaVersion, beta] of sets) {
    await mkdir(where, { recursive: true });
    await writeFile(join(where, 'alpha.yaml'), recipe('alpha', alphaVersion, alpha.url, alpha.sha, []));
    await writeFile(join(where, 'beta.yaml'), recipe('beta', '1.0', beta.url, beta.sha, []));
    await writeFile(join(where, 'gamma.yaml'), recipe('gamma', '1.0', gamma.url, gamma.sha, ['alpha']));
  }
  return { ...p, recipesA, recipesB };
}
