/** `tczbuild fetch [NAME…]`: download and verify every source into the cache, so later builds can run --offline. */
import { Option } from 'clipanion';
import { fetchSources } from '../../builder/fetch/fetch-sources.js';
import { SourceCache } from '../../builder/fetch/source-cache.js';
import { planBuild } from '../../builder/plan.js';
import { loadRecipes } from '../../recipe/load.js';
import { ProjectCommand } from '../project-command.js';

export class FetchCommand extends ProjectCommand {
  static override paths = [['fetch']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'download and verify sources into the cache',
    examples: [['Fill the cache before going offline', '$0 fetch']],
  });

  names = Option.Rest();
  sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream (repeatable)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { recipes } = await loadRecipes({ recipesDir: this.recipesDir(), target: this.target(), displayBase: this.context.cwd });
      const specs = planBuild(recipes, this.names.length ? this.names : undefined).flatMap((p) => p.recipe.sources);
      const reporter = this.reporter();
      const fetched = await fetchSources(specs, { cache: new SourceCache(this.cacheDir()), mirrors: this.sourceMirrors.map((m) => (/^[a-z]+:\/\//.test(m) ? m : this.resolvePath(m))), reporter });
      reporter.emit({ type: 'info', message: `${fetched.size} sources verified in ${this.cacheDir()}` });
    });
  }
}
