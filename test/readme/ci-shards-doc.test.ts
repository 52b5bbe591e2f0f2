/**
 * docs/ci-shards.md's GitHub Actions workflow: valid YAML shaped as the doc says (a 3-way
 * matrix, an assembly job after it, full git history), and every tczbuild command in it parses
 * with this CLI: its flags exist (--help of the same line exits 0) and the shard value is one
 * `--shard` takes. The split and the assembly themselves run in test/integration/shard.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseShard } from '../../src/builder/shard.js';
import { tczbuild } from '../helpers/cli.js';
import { repoRoot } from '../helpers/readme.js';
import { testdir } from '../helpers/testdir.js';

interface Step { uses?: string; run?: string; with?: Record<string, unknown> }
interface Job { needs?: string; strategy?: { matrix: { shard: number[] } }; steps: Step[] }

const text = readFileSync(join(repoRoot, 'docs/ci-shards.md'), 'utf8');
const block = /```yaml\n([\s\S]*?)```/.exec(text)![1]!;
const workflow = parse(block) as { jobs: Record<string, Job> };

describe('docs/ci-shards.md workflow', () => {
  it('is N shard jobs from a matrix, then one assembly job that needs them, all with full history', () => {
    const { shard, assemble } = workflow.jobs;
    expect(shard!.strategy!.matrix.shard).toEqual([1, 2, 3]);
    expect(assemble!.needs).toBe('shard');
    for (const job of [shard!, assemble!]) expect(job.steps.find((s) => s.uses?.startsWith('actions/checkout'))!.with).toMatchObject({ 'fetch-depth': 0 });
  });

  it('every tczbuild line parses: its flags exist and its shard values are valid', async () => {
    const lines = Object.values(workflow.jobs)
      .flatMap((j) => j.steps.flatMap((s) => (s.run ?? '').split('\n')))
      .map((l) => l.trim())
      .filter((l) => l.startsWith('tczbuild '));
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual(['tczbuild all', 'tczbuild all', 'tczbuild index']);
    const cwd = await testdir({});
    for (const matrix of workflow.jobs.shard!.strategy!.matrix.shard) {
      for (const line of lines) {
        const words = line
          .replace('${{ matrix.shard }}', String(matrix))
          .replace(/ >.*$/, '')
          .split(' ')
          .slice(1)
          .map((w) => (w === '"$REMOTE_CACHE"' ? 'http://127.0.0.1:9/' : w));
        const shard = words[words.indexOf('--shard') + 1];
        if (words.includes('--shard')) expect(parseShard(shard!), line).toBeDefined();
        const help = await tczbuild([...words, '--help'], { cwd });
        expect(help.code, `${line}\n${help.stdout}${help.stderr}`).toBe(0);
      }
    }
  }, 30_000);
});
