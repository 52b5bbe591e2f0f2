/**
 * Run README shell examples as pasted, in a project directory, with `npx tczbuild` meaning this
 * checkout's built CLI (dist/cli/main.js), as it does in the project directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './readme.js';

export function runReadmeLines(script: string, cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const main = join(repoRoot, 'dist/cli/main.js');
  if (!existsSync(main)) throw new Error('dist/cli/main.js is missing: run npm run build');
  const shim = `npx() { [ "$1" = tczbuild ] || return 127; shift; node '${main}' "$@"; }\nset -e -o pipefail\n`;
  return execFileSync('bash', ['-c', shim + script], { cwd, env: { ...process.env, CI: 'true', ...env }, encoding: 'utf8' });
}
