/** The README's CLI examples, run as pasted against a small project. */
import { describe, expect, it } from 'vitest';
import { readmeBlocks } from '../helpers/readme.js';
import { runReadmeLines } from '../helpers/readme-run.js';
import { testdir } from '../helpers/testdir.js';
import { recipeText } from '../helpers/recipe-text.js';

const recipe = recipeText('hello');

describe('README: CLI', () => {
  it('runs the option, completion, --quiet and --json examples', async () => {
    const dir = await testdir({ 'recipes/hello.yaml': recipe });
    const block = readmeBlocks('## CLI', 'sh').find((b) => b.includes('completion bash'));
    expect(block).toBeDefined();
    const out = await runReadmeLines(block!, dir);
    expect(out).toMatch(/--out DIR +output directory: the tce mirror tree \(default: out\)/);
    const last = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ v: 1, type: 'result', command: 'lint', ok: true, exitCode: 0 });
  });
});
