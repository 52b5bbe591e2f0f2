/**
 * Static checks of a recipe's `images:` section, for `lint` and before a build: references
 * that do not parse, tarball paths that are bad or collide, images not pinned yet (a warning
 * while editing, an error when building). Pure: reads the recipe, never the network.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { imageTarballPath } from '../initd/image-path.js';
import type { Recipe } from '../recipe/model.js';
import { checkImagePath } from '../recipe/paths.js';
import { parseReference } from './reference.js';

export function checkImages(recipe: Recipe): Diagnostic[] {
  const images = recipe.written.images ?? [];
  const out: Diagnostic[] = [];
  const seen = new Map<string, number>();
  images.forEach((image, i) => {
    const parsed = parseReference(image.ref);
    if (!parsed.ok) out.push(diag('image-bad-reference', recipe.positionOf(['images', i, 'ref']), `images[${i}].ref: ${parsed.reason}`));
    else if (parsed.ref.full !== image.ref) {
      // ctr names the imported image by the full form; the init script and faasd look it up as written.
      out.push(
        diag(
          'image-bad-reference',
          recipe.positionOf(['images', i, 'ref']),
          `images[${i}].ref "${image.ref}" is not written the way containerd names it`,
          `write ref: ${parsed.ref.full}`,
        ),
      );
    }
    if (image.digest === 'unpinned') {
      out.push(diag('image-unpinned', recipe.positionOf(['images', i, 'digest']), `image ${image.ref} is not pinned to a digest yet`));
    }
    if (image.to !== undefined) {
      const c = checkImagePath(image.to);
      if (!c.ok) out.push(diag('bad-path', recipe.positionOf(['images', i, 'to']), `images[${i}].to: ${c.reason}`));
    }
    const path = imageTarballPath(recipe.name, image.ref, image.to);
    const first = seen.get(path);
    if (first === undefined) seen.set(path, i);
    else {
      out.push(
        diag(
          'duplicate-target',
          recipe.positionOf(['images', i, image.to !== undefined ? 'to' : 'ref']),
          `images[${i}] (${image.ref}) and images[${first}] (${images[first]?.ref ?? ''}) would both write ${path}`,
          'give one of them its own to: path',
        ),
      );
    }
  });
  return out;
}

/** What a build refuses: every image still `unpinned`, as an error at its digest line. */
export function unpinnedImageErrors(recipe: Recipe): Diagnostic[] {
  return (recipe.written.images ?? []).flatMap((image, i) =>
    image.digest === 'unpinned'
      ? [diag('image-digest-missing', recipe.positionOf(['images', i, 'digest']), `image ${image.ref} has no pinned digest; a build only bundles images by digest`)]
      : [],
  );
}
