/** The README's example recipe is a real recipe: pasted into recipes/, lint accepts it. */
import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { readmeBlock } from '../helpers/readme.js';
import { testdir } from '../helpers/testdir.js';

describe('README: the example recipe', () => {
  it('parses and passes lint as pasted, warning only about what is unpinned', async () => {
    const recipe = readmeBlock('## Recipes', 'yaml');
    const dir = await testdir({ 'recipes/containerd.yaml': recipe, 'rootfs-overlays/containerd/usr/local/share/doc/containerd/COPYING': 'Apache-2.0\n' });
    const run = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(diagnosticsOf(run).map((d) => d.id).sort()).toEqual(['image-unpinned', 'source-unpinned']);
  });
});
