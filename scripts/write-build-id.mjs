// Write dist/build-id.txt: a hash of everything that shapes tczbuild's output (its sources, the
// bundled kernel-config, the package version). The no-op fast path trusts a stamp only from the
// same build id, so a changed template or rule never hides behind an old stamp. The test suite's
// global setup (test/global-setup.ts) compares it with computeBuildId() to tell a stale dist/.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export function computeBuildId() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const rel = join(dir, name);
      if (statSync(join(root, rel)).isDirectory()) walk(rel);
      else hash.update(`${rel}\0`).update(readFileSync(join(root, rel))).update('\0');
    }
  };
  walk('src');
  walk('kernel-config');
  hash.update(readFileSync(join(root, 'package.json')));
  return hash.digest('hex');
}

/** The commit being built, for `tczbuild --version`; "-dirty" when tracked files differ from it. */
function commitOfCheckout() {
  try {
    const git = (args) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git(['rev-parse', '--short=12', 'HEAD']);
    return git(['status', '--porcelain', '--untracked-files=no']) === '' ? commit : `${commit}-dirty`;
  } catch {
    return '';
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(root, 'dist', 'build-id.txt'), `${computeBuildId()}\n`);
  // Empty without git (a tarball checkout): --version then asks git at run time, or says unknown.
  writeFileSync(join(root, 'dist', 'commit.txt'), `${commitOfCheckout()}\n`);
}
