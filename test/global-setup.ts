/**
 * Vitest global setup: the CLI tests that run dist/ (the stand-in box builder, the demo, the
 * no-op stamp, targets) must never run a stale build. Once per run, dist/build-id.txt (written by
 * `npm run build`) is compared with the build id of the sources as they are now; when they
 * differ, or dist/ is missing, `npm run build` runs (tsc once), so a broken src/ fails those
 * tests. An up-to-date dist/ (as `scripts/setup.sh` leaves it) costs only the hash.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
// @ts-expect-error: a plain .mjs script without type declarations
import { computeBuildId } from '../scripts/write-build-id.mjs';

const repo = resolve(import.meta.dirname, '..');

function builtId(): string | undefined {
  try {
    return readFileSync(join(repo, 'dist', 'build-id.txt'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export default function setup(): void {
  if (builtId() === (computeBuildId as () => string)()) return;
  process.stderr.write('global setup: dist/ is missing or older than src/: npm run build\n');
  try {
    execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so no CLI test can run:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
