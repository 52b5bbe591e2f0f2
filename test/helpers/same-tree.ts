/**
 * Whether a clone holds exactly the tree this test run runs on: the same commit; a checkout with
 * nothing changed, added or left in it besides the build outputs a clone makes too (dist/ and
 * node_modules, by scripts/setup.sh); and the same npm packages installed. The README quick-start
 * test asks it before running the unit suite a second time in its clone, with the unit test
 * files that name a variable the clone's environment lacks.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/** `git status --ignored` entries setup.sh makes in a clone as well. */
const buildOutputs = new Set(['dist/', 'node_modules', 'node_modules/']);

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' });

/** npm's record of what it installed (node_modules/.package-lock.json): package paths, versions, integrity. */
function installed(dir: string): unknown {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages?: unknown }).packages;
  } catch {
    return undefined;
  }
}

/** Why `clone` is not, byte for byte, the tree at `checkout` with the same packages: empty when it is. */
export function cloneDifferences(checkout: string, clone: string): string[] {
  const out: string[] = [];
  const [here, there] = [checkout, clone].map((d) => git(d, 'rev-parse', 'HEAD').trim());
  if (here !== there) out.push(`the clone is at ${there}, this checkout at ${here}`);
  for (const line of git(checkout, 'status', '--porcelain=v1', '--untracked-files=all', '--ignored=matching').split('\n').filter(Boolean)) {
    if (!(line.startsWith('!! ') && buildOutputs.has(line.slice(3)))) out.push(`this checkout has ${line}`);
  }
  const packages = installed(checkout);
  if (packages === undefined || !isDeepStrictEqual(packages, installed(clone))) out.push('node_modules holds other packages here than npm ci installed in the clone');
  return out;
}

/** The unit test files (everything under test/ but test/integration/) at `checkout` that name one of `words`. */
export function unitFilesNaming(checkout: string, words: readonly string[]): string[] {
  const files = git(checkout, 'ls-files', '-z', 'test').split('\0').filter((f) => f && !f.startsWith('test/integration/'));
  return files.filter((f) => {
    const text = readFileSync(join(checkout, f), 'utf8');
    return words.some((w) => text.includes(w));
  });
}
