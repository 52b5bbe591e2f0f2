/**
 * Where out/ may be. Publishing makes out/ hold exactly the mirror, removing anything else in
 * it, and everything in it is served: so an out/ that is (or holds) the project, the recipes,
 * the overlays or the cache would delete the user's inputs, or put downloaded sources on the
 * mirror. Refused before any work. A symlinked out/ is followed: the mirror goes into its target.
 */
import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fail } from '../diagnostics/errors.js';
import { realOutDir } from './publish.js';

export interface BuildInputs {
  readonly recipesDir: string;
  readonly overlaysDir: string;
  readonly cacheDir: string;
}

/** The directory to publish into (a symlinked out/ resolved), after refusing overlaps with the inputs. */
export async function placeOut(outDir: string, inputs: BuildInputs): Promise<string> {
  const out = await realOutDir(resolve(outDir));
  const realOut = await realOrResolved(out);
  const named: Array<[string, string]> = [
    ['recipes directory', inputs.recipesDir],
    ['overlays directory', inputs.overlaysDir],
    ['cache', inputs.cacheDir],
  ];
  for (const [what, dir] of named) {
    const real = await realOrResolved(dir);
    if (real === realOut || real.startsWith(realOut.endsWith(sep) ? realOut : realOut + sep)) {
      fail('out-overlaps-input', { file: outDir }, `the output directory ${outDir} holds the ${what} ${dir}: publishing would ${what === 'cache' ? 'serve downloaded sources on the mirror and delete them' : 'delete it'}`, what === 'cache' ? 'pass --cache a directory outside --out' : 'pass --out a directory of its own, e.g. out/ in the project');
    }
  }
  return out;
}

/** realpath for what exists; for what does not yet, its deepest existing ancestor's realpath plus the rest. */
async function realOrResolved(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const parent = resolve(abs, '..');
    if (parent === abs) return abs;
    return resolve(await realOrResolved(parent), abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}
