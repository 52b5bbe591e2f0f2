/**
 * The repository stands alone: nothing in it reaches for a directory beside the checkout (only
 * .ci/run hands the suite an offline Core-scripts checkout through the documented override), and
 * the dist/ the CLI tests run is built from src/ as it is now (test/global-setup.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { computeBuildId } from '../../scripts/write-build-id.mjs';
import { repoRoot } from '../helpers/readme.js';

describe('the repository stands alone', () => {
  it('names the shared directory beside the checkout only in .ci/run', () => {
    // The pattern is assembled so that this file does not match it itself.
    const beside = ['\\.\\.', 'shared'].join('/');
    const files = execFileSync('git', ['grep', '-l', '-e', beside, '--', '.'], { cwd: repoRoot, encoding: 'utf8' });
    expect(files.split('\n').filter(Boolean)).toEqual(['.ci/run']);
  });

  it('runs CLI tests against a dist/ built from the current src/ (the global setup rebuilt a stale one)', () => {
    const built = readFileSync(join(repoRoot, 'dist', 'build-id.txt'), 'utf8').trim();
    expect(built).toBe((computeBuildId as () => string)());
  });
});
