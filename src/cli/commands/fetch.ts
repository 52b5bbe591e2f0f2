/** `tczbuild fetch [NAME…]`: download and verify every source into the cache, so later builds can run --offline. */
import { Option } from 'clipanion';
import { ProjectCommand, type SharedFlag } from '../project-command.js';
import { targetName } from '../../config/settings.js';

export class FetchCommand extends ProjectCommand {
  /** Shared flags this command refuses (refusedFlags): parsed so they are refused with a reason, kept out of --help. */
  override out = Option.String('--out', { hidden: true });
  override overlays = Option.String('--overlays', { hidden: true });

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return {
      out: 'it fills the download cache and writes nothing under out/',
      overlays: 'overlays are local files; it downloads sources and images only',
    };
  }

  static override paths = [['fetch']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'download and verify sources into the cache',
    examples: [['Fill the cache before going offline', '$0 fetch']],
  });

  names = Option.Rest();
  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream (repeatable)' });
  override registryMirrors = Option.Array('--registry-mirror', [], { description: 'HOST=URL: pull images for registry HOST from URL instead (repeatable)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { fetchSources } = await import('../../builder/fetch/fetch-sources.js');
      const { SourceCache } = await import('../../builder/fetch/source-cache.js');
      const { planBuild } = await import('../../builder/plan.js');
      const { recipesForTarget } = await import('../../builder/target-recipes.js');
      const { prefetchImages } = await import('../../images/index.js');
      const { loadRecipes } = await import('../../recipe/load.js');
      const reporter = this.reporter();
      const cache = new SourceCache(this.cacheDir());
      const registryMirrors = this.registryMirrorMap();
      let sources = 0;
      let images = 0;
      // Each target has its own sources (arch:, ${arch}), so each is filled in.
      const targets = this.targets();
      for (const target of targets) {
        if (targets.length > 1) reporter.emit({ type: 'info', message: `target ${targetName(target)}` });
        const { recipes } = await loadRecipes({ recipesDir: this.recipesDir(), target, displayBase: this.context.cwd });
        // Plan as `all` does: a recipe the target leaves out (and its dependents) is reported,
        // not downloaded; naming one is refused as `build NAME` refuses it.
        const only = this.names.length ? this.names : undefined;
        const { buildable, skipped } = recipesForTarget(recipes, target, only);
        for (const diagnostic of skipped) reporter.emit({ type: 'diagnostic', diagnostic });
        const plan = planBuild(buildable, only);
        sources += (await fetchSources(plan.flatMap((p) => p.recipe.sources), { cache, mirrors: this.sourceMirrorList(), reporter, network: this.network() })).size;
        for (const { recipe } of plan) images += await prefetchImages(recipe, target, { cache, registryMirrors, reporter, network: this.network() });
      }
      reporter.emit({ type: 'info', message: `${sources} sources and ${images} images verified in ${this.cacheDir()}` });
    });
  }
}
