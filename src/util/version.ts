/** tczbuild's own version, read once from package.json (it is part of every build key), and the commit it came from. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toolOutputSync, type Env } from './exec.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const toolVersion: string = pkg.version;

/**
 * The commit tczbuild was built from, for `--version` only (never a build key: keys must not
 * change with commits that do not touch what is built). dist/commit.txt is written by
 * `npm run build`; a checkout run from source asks git (on the run's PATH). "unknown" when
 * neither can say.
 */
export function sourceCommit(env: Env): string {
  try {
    const written = readFileSync(new URL('../commit.txt', import.meta.url), 'utf8').trim();
    if (written !== '') return written;
  } catch {
    // not built, or built without git: ask git below
  }
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const commit = toolOutputSync('git', ['-C', root, 'rev-parse', '--short=12', 'HEAD'], { env })?.trim();
  const status = toolOutputSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { env });
  if (!commit || status === undefined) return 'unknown';
  return status.trim() === '' ? commit : `${commit}-dirty`;
}
