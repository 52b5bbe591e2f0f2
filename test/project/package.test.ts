/**
 * The npm package is complete: what a user installs carries the built CLI, the boxes, the
 * stand-in box script (executable) and its doc, the facts page and every schema, and each
 * `$schema` line in a packaged YAML file names a file that is in the package too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/readme.js';

interface PackedFile {
  readonly path: string;
  readonly mode: number;
}

const packed = (): PackedFile[] => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return (JSON.parse(out) as Array<{ files: PackedFile[] }>)[0]!.files;
};

describe('npm pack', () => {
  it('carries the CLI, the boxes, the stand-in box script and its doc, the facts page and the schemas', { timeout: 60_000 }, () => {
    const files = packed();
    const mode = new Map(files.map((f) => [f.path, f.mode & 0o777]));
    for (const path of [
      'dist/cli/main.js',
      'dist/build-id.txt',
      'boxes/box.schema.json',
      'boxes/tinycore-11.x-x86_64.yaml',
      'boxes/tinycore-15.x-x86_64.yaml',
      'scripts/standin-box.md',
      'docs/facts.md',
      'recipes/recipe.schema.json',
      'recipes/containerd.yaml',
      'tczbuild.schema.json',
      'kernel-config/symbols.yaml',
    ]) {
      expect(mode.has(path), path).toBe(true);
    }
    expect(mode.get('scripts/make-standin-box.sh')).toBe(0o755);
    // the script runs the CLI beside it, as laid out in the package
    expect(readFileSync(join(repoRoot, 'scripts/make-standin-box.sh'), 'utf8')).toContain('CLI=$HERE/../dist/cli/main.js');

    for (const f of files.filter((x) => /\.ya?ml$/.test(x.path))) {
      const target = /\$schema=(\S+)/.exec(readFileSync(join(repoRoot, f.path), 'utf8'))?.[1];
      if (target === undefined) continue;
      expect(mode.has(posix.normalize(posix.join(posix.dirname(f.path), target))), `${f.path}: $schema=${target}`).toBe(true);
    }
  });
});
