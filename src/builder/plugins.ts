/**
 * The stage plugins every build uses, in order. Modules that own a recipe section register
 * here; the builder itself stays ignorant of init scripts, images and kernel config.
 */
import { checkImages, stageImages, unpinnedImageErrors } from '../images/index.js';
import { checkServices, generateInitFiles } from '../initd/index.js';
import { sha256Hex } from './build-key.js';
import type { StagePlugin } from './plugin.js';

/** services: → SysV scripts and the tce.installed hook. Pure, so its key is the scripts' own bytes. */
export const initdPlugin: StagePlugin = {
  name: 'initd',
  rules: [checkServices],
  keyComponents: (recipe, target): Record<string, string> => {
    const files = generateInitFiles(recipe, target);
    return files.length ? { scripts: sha256Hex(files.map((f) => `${f.path} ${f.mode.toString(8)} ${f.uid ?? 0}:${f.gid ?? 0}\n${String(f.content)}`).join('\0')) } : {};
  },
  generate: (recipe, target) => generateInitFiles(recipe, target),
};

/** images: → ctr-importable tarballs pulled by pinned digest (the digests are in the recipe key). */
export const imagesPlugin: StagePlugin = {
  name: 'images',
  rules: [checkImages],
  buildErrors: unpinnedImageErrors,
  generate: (recipe, target, ctx) => stageImages(recipe, target, ctx),
};

export const defaultPlugins: readonly StagePlugin[] = [initdPlugin, imagesPlugin];
