import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FALLBACK_EPOCH, sourceEpoch, sourceEpochs } from '../../src/builder/inputs.js';

const repo = resolve(import.meta.dirname, '..', '..');
const env = { ...process.env, SOURCE_DATE_EPOCH: undefined };

function git(dir: string, args: string[], at?: number): void {
  const when = at === undefined ? {} : { GIT_COMMITTER_DATE: `@${at} +0000`, GIT_AUTHOR_DATE: `@${at} +0000` };
  execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { env: { ...process.env, ...when }, stdio: 'ignore' });
}

describe('sourceEpochs', () => {
  it("gives each recipe its own last commit's time, from one git run for the directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-epochs-'));
    try {
      await mkdir(join(dir, 'recipes'));
      git(dir, ['init', '-q']);
      const file = (n: string): string => join(dir, 'recipes', `${n}.yaml`);
      await writeFile(file('a'), 'name: a\n');
      await writeFile(file('b'), 'name: b\n');
      git(dir, ['add', '.']);
      git(dir, ['commit', '-qm', 'both'], 1_700_000_000);
      await writeFile(file('b'), 'name: b\nversion: 2\n');
      git(dir, ['commit', '-qam', 'b only'], 1_700_000_100);
      await writeFile(join(dir, 'README'), 'not a recipe\n');
      git(dir, ['add', '.']);
      git(dir, ['commit', '-qm', 'elsewhere'], 1_700_000_200);
      await writeFile(file('c'), 'name: c\n'); // never committed
      const all = await sourceEpochs([file('a'), file('b'), file('c')], env);
      expect([...all.values()]).toEqual([1_700_000_000, 1_700_000_100, FALLBACK_EPOCH]);
      expect(await sourceEpoch(file('b'), env)).toBe(1_700_000_100);
      expect(await sourceEpoch(file('b'), { ...env, SOURCE_DATE_EPOCH: '123' })).toBe(123);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives a file the same epoch whichever recipes are asked for with it (build X and all agree)', async () => {
    const files = execFileSync('git', ['ls-files', 'src/builder'], { cwd: repo, encoding: 'utf8' }).split('\n').filter((f) => /^src\/builder\/[^/]+\.ts$/.test(f)).map((f) => join(repo, f));
    expect(files.length).toBeGreaterThan(10);
    const together = await sourceEpochs(files, env);
    for (const f of files.slice(0, 5)) {
      const alone = await sourceEpoch(f, env);
      expect(alone).toBeGreaterThan(FALLBACK_EPOCH);
      expect([f, together.get(f)]).toEqual([f, alone]);
    }
  });

  it('falls back to the fixed date outside git', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tczbuild-epochs-'));
    try {
      await writeFile(join(dir, 'a.yaml'), 'name: a\n');
      expect(await sourceEpoch(join(dir, 'a.yaml'), env)).toBe(FALLBACK_EPOCH);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
