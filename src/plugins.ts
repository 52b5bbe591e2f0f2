/**
 * The stage plugins every build uses, in order: the wiring above builder/, so that the builder
 * (which only knows the StagePlugin interface) never imports the modules that plug into it. Modules that own a recipe section register
 * here; the builder itself stays ignorant of init scripts, images and kernel config.
 */
import { checkImages, unpinnedImageErrors } from './images/check.js';
import { tarballFormatVersion } from './images/layout.js';
import { checkServices, generateInitFiles } from './initd/index.js';
import { imageTarballPath } from './initd/image-path.js';
import { parseReference, registryBaseUrl } from './images/reference.js';
import { redactUserinfo } from './util/credentials.js';
import { hasErrors } from './diagnostics/diagnostic.js';
import { TczError } from './diagnostics/errors.js';
import { defaultKernelConfigDir } from './kconfig/load.js';
import { kernelFragmentRuleForSync } from './kconfig/recipe-rules.js';
import { sha256Hex } from './builder/build-key.js';
import { hashTree } from './builder/inputs.js';
import type { StagePlugin } from './builder/plugin.js';

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
  keyComponents: (recipe): Record<string, string> => ((recipe.written.images?.length ?? 0) > 0 ? { tarball: tarballFormatVersion } : {}),
  // The registry client and tarball writer load only for recipes that bundle images.
  generate: async (recipe, target, ctx) => ((recipe.written.images?.length ?? 0) > 0 ? (await import('./images/stage.js')).stageImages(recipe, target, ctx) : []),
  /**
   * .build.json's images: every image packed into the extension, its pinned digest, where the
   * init script imports it, its registry, and the URL it was pulled from (a --registry-mirror, if
   * one served that registry). Most of a faasd.tcz's bytes are these images.
   */
  provenance: (recipe, ctx) => ({
    images: (recipe.written.images ?? []).map((image) => {
      const parsed = parseReference(image.ref);
      const registry = parsed.ok ? parsed.ref.registry : '';
      return {
        ref: image.ref,
        digest: image.digest,
        namespace: image.namespace,
        file: imageTarballPath(recipe.name, image.ref, image.to),
        registry,
        pulledFrom: parsed.ok ? redactUserinfo(registryBaseUrl(registry, ctx.registryMirrors ?? {})) : '',
      };
    }),
  }),
};

/** kernel: → the merged fragment out/kernel/tczbuild.config, from the project's kernel-config/. */
export function kconfigPlugin(kernelConfigDir: string): StagePlugin {
  const needsKernel = (r: { written: { kernel?: { fragments: readonly string[] } } }): boolean => (r.written.kernel?.fragments.length ?? 0) > 0;
  return {
    name: 'kconfig',
    rules: [kernelFragmentRuleForSync(kernelConfigDir)],
    keyComponents: async (recipe): Promise<Record<string, string>> => (needsKernel(recipe) ? { fragments: await hashTree(kernelConfigDir) } : {}),
    async publishExtras(recipes) {
      const wanting = recipes.filter(needsKernel);
      if (wanting.length === 0) return [];
      const { mergeFragmentsForRecipes } = await import('./kconfig/merge-recipes.js');
      const { text, diagnostics } = await mergeFragmentsForRecipes(wanting, kernelConfigDir);
      if (hasErrors(diagnostics)) throw new TczError(diagnostics.filter((d) => d.severity === 'error'));
      return [{ rel: 'kernel/tczbuild.config', content: text }];
    },
  };
}

/** Mirror-wide indexes (md5.db, dep.db, provides.db, …) and .tree files, regenerated on every publish. */
export function mirrorIndexPlugin(upstreamIndexes: readonly string[]): StagePlugin {
  return {
    name: 'mirror',
    finalizeMirror: async (tczDir) => (await import('./mirror/write-indexes.js')).writeMirrorIndexes(tczDir, { upstreamIndexFiles: upstreamIndexes }),
    // by content: a re-fetch that brought the same indexes changes nothing
    mirrorInputs: async () => (await Promise.all(upstreamIndexes.map((p) => hashTree(p)))).join(' '),
  };
}

/**
 * The build's gate: verify's per-extension checks over the assembled next mirror, before the
 * swap (builder/verify-gate.ts locates and decides; verify judges). Loaded only when a build
 * publishes.
 */
export const publishGatePlugin: StagePlugin = {
  name: 'verify',
  async checkBeforePublish(g) {
    const { verifyMirror } = await import('./mirror/verify/run.js');
    // the recipes are parsed already: verify takes them from here instead of reading them again
    const recipes = new Map(g.recipes.map((r) => [r.name, r.written]));
    const report = await verifyMirror(g.tczDir, { tcVersion: g.target.tcVersion, arch: g.target.arch, recipesDir: g.recipesDir, onlyExtensions: g.extensions, recipes, env: g.env });
    return report.diagnostics;
  },
};

export interface PluginOptions {
  /** The project directory (the recipes directory's parent): where kernel-config/ is looked up. */
  readonly projectDir: string;
  /** Upstream mirror index files or directories to merge into ours (so update-everything works). */
  readonly upstreamIndexes?: readonly string[];
}

export function defaultPlugins(o: PluginOptions): readonly StagePlugin[] {
  return [initdPlugin, imagesPlugin, kconfigPlugin(defaultKernelConfigDir(o.projectDir)), mirrorIndexPlugin(o.upstreamIndexes ?? []), publishGatePlugin];
}
