/**
 * The images module as a build stage plugin: lint rules, the refusal to build unpinned images,
 * the build-key inputs (each image's reference, pinned digest, platform and tarball path, plus
 * the tarball format version) and the generated tarballs. Wiring only; the work is elsewhere.
 */
import type { StagePlugin } from '../builder/plugin.js';
import { imageTarballPath } from '../initd/image-path.js';
import { checkImages, unpinnedImageErrors } from './check.js';
import { formatPlatform, parsePlatform, platformForArch } from './manifest.js';
import { stageImages } from './stage.js';

/** Bump when the tarball bytes for the same pinned image change (layout.ts, tarball.ts). */
export const tarballFormatVersion = '1';

export const imagesPlugin: StagePlugin = {
  name: 'images',
  rules: [checkImages],
  buildErrors: unpinnedImageErrors,
  keyComponents(recipe, target): Record<string, string> {
    const images = recipe.written.images ?? [];
    if (images.length === 0) return {};
    const lines = images.map((i) => {
      const platform = formatPlatform(i.platform !== undefined ? parsePlatform(i.platform) : platformForArch(target.arch));
      return `${i.ref}@${i.digest} ${platform} ${imageTarballPath(recipe.name, i.ref, i.to)}`;
    });
    return { tarballs: `v${tarballFormatVersion}\n${lines.join('\n')}` };
  },
  generate: (recipe, target, ctx) => stageImages(recipe, target, ctx),
};
