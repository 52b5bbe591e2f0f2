/**
 * `tczbuild bump NAME VERSION`: move a recipe to a new upstream version in one step: set
 * `version:`, download every source at its new URL, write the new sha256s with comments and
 * layout kept, and print the change as a diff. Nothing is written unless every source resolved.
 */
import { Option, UsageError } from 'clipanion';
import { ProjectCommand } from '../project-command.js';

export class BumpCommand extends ProjectCommand {
  static override paths = [['bump']];
  static override usage = ProjectCommand.Usage({
    category: 'Recipe commands',
    description: "set a recipe's version, re-download and rehash its sources, print the diff",
    details:
      'Sets `version:` to VERSION, substitutes it into every source URL, downloads each file (through the cache and --source-mirror), and writes the new sha256s into the recipe, editing only those values so comments and layout stay. The recipe is left unchanged when any source cannot be fetched. Images are not touched: `tczbuild pin --force NAME` re-resolves them.',
    examples: [['Move containerd to 1.7.20', '$0 bump containerd 1.7.20']],
  });

  name = Option.String();
  version = Option.String();
  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream for sources (repeatable)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      if (!/^\S+$/.test(this.version)) throw new UsageError(`VERSION is one word such as 1.7.20, not "${this.version}"`);
      const { SourceCache } = await import('../../builder/fetch/source-cache.js');
      const { RegistryClient } = await import('../../images/registry/client.js');
      const { bumpRecipe, lineDiff } = await import('../../images/pin/bump-recipe.js');
      const result = await bumpRecipe({
        recipesDir: this.recipesDir(),
        name: this.name,
        version: this.version,
        target: this.target(),
        displayBase: this.context.cwd,
        // A client means "online" to the resolver; bump has no images, so no registry mirrors.
        ctx: { cache: new SourceCache(this.cacheDir()), client: new RegistryClient({ mirrors: {}, network: this.network() }), sourceMirrors: this.sourceMirrorList(), env: this.context.env, network: this.network() },
      });
      const reporter = this.reporter();
      for (const c of result.changes) reporter.emit({ type: 'info', message: `${result.file}:${c.line ?? 0}: ${c.what}: ${c.from} → ${c.to}`, data: { ...c } });
      if (!this.json) this.context.stdout.write(lineDiff(result.file, result.before, result.after));
      reporter.emit({ type: 'result', bumped: this.name, version: this.version, changed: result.changes.length });
    });
  }
}
