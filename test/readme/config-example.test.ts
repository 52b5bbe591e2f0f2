/** The README's tczbuild.yaml and its commands, pasted into a project and run. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeBlock } from '../helpers/readme.js';
import { runReadmeLines } from '../helpers/readme-run.js';
import { testdir } from '../helpers/testdir.js';
import { recipeText } from '../helpers/recipe-text.js';

const section = '### Project config: `tczbuild.yaml`';
const recipe = recipeText('hello', 'overlays: [hello]\n');

describe('README: tczbuild.yaml', () => {
  it('is a valid config, `config` shows where each value came from, and --target narrows all', async () => {
    const dir = await testdir({ 'tczbuild.yaml': readmeBlock(section, 'yaml'), 'recipes/hello.yaml': recipe, 'rootfs-overlays/hello/usr/local/share/hello/README': 'hello\n' });
    const out = await runReadmeLines(readmeBlock(section, 'sh'), dir);
    expect(out).toMatch(/^targets: 15\.x\/x86_64, 15\.x\/aarch64, 11\.x\/x86_64 +# tczbuild\.yaml:5$/m);
    expect(out).toMatch(/^registry-mirrors: docker\.io=http:\/\/127\.0\.0\.1:5000 +# tczbuild\.yaml:8$/m);
    expect(existsSync(join(dir, 'out/15.x/aarch64/tcz/hello.tcz'))).toBe(true);
    expect(existsSync(join(dir, 'out/15.x/x86_64'))).toBe(false);
    expect(existsSync(join(dir, '.tczbuild-cache'))).toBe(true);
  });
});
