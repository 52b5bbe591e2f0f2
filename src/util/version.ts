/** tczbuild's own version, read once from package.json (it is part of every build key), and the commit it came from. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const toolVersion: string = pkg.version;

/**
 * The commit tczbuild was built from, for `--version` only (never a build key: keys must not
 * change with commits that do not touch what is built). dist/commit.txt is written by
 * `npm run build`; a checkout run from source asks git. "unknown" when neither can say.
 */
export function sourceCommit(): string {
  try {
    const written = readFileSync(new URL('../commit.txt', import.meta.url), 'utf8').trim();
    if (written !== '') return written;
  } catch {
    // not built, or built without git: ask git below
  }
  try {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const run = (args: string[]): string => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run(['rev-parse', '--short=12', 'HEAD']);
    return run(['status', '--porcelain', '--untracked-files=no']) === '' ? commit : `${commit}-dirty`;
  } catch {
    return 'unknown';
  }
}
