import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { debianContainerdRecipe } from '../../src/demo/box-recipes.js';
import { recipeFromYaml } from '../initd/helpers/recipe.js';

describe("the demo's containerd recipe", () => {
  it("names Debian's containerd version in version: and what else it packs in comments:, not the release the repository recipe pins", async () => {
    const recipe = recipeFromYaml(await debianContainerdRecipe(resolve(import.meta.dirname, '../..')), 'containerd.yaml');
    const installed = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'containerd'], { encoding: 'utf8' }).trim();
    expect(recipe.version).toBe(installed);
    expect(recipe.version).not.toBe('1.4.0');
    expect(recipe.info.comments).toMatch(new RegExp(`^Built from Debian's installed packages: containerd ${installed.replace(/[.+]/g, '\\$&')}, runc \\S+, containernetworking-plugins \\S+$`));
  });
});
