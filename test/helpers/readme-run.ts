/**
 * Run README shell examples as pasted, in a project directory, with `tczbuild` (and `npx tczbuild`)
 * meaning this checkout's built CLI (dist/cli/main.js), as `npm link` makes it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './readme.js';

/** Async, so servers in the test process keep answering while the lines run. */
export async function runReadmeLines(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const main = join(repoRoot, 'dist/cli/main.js');
  if (!existsSync(main)) throw new Error('dist/cli/main.js is missing: run npm run build');
  // `tczbuild` is what `npm link` puts on PATH; `npx tczbuild` is what the checkout itself runs.
  const shim = `tczbuild() { node '${main}' "$@"; }\nnpx() { [ "$1" = tczbuild ] || return 127; shift; tczbuild "$@"; }\nset -e -o pipefail\n`;
  const { stdout } = await promisify(execFile)('bash', ['-c', shim + script], { cwd, env: { ...process.env, CI: 'true', ...env }, encoding: 'utf8' });
  return stdout;
}
