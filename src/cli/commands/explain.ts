/** `tczbuild explain [NAME…]`: say what `all` would rebuild and which inputs changed, without building. */
import { dirname } from 'node:path';
import { Option } from 'clipanion';
import { ProjectCommand } from '../project-command.js';
import { targetName } from '../../config/settings.js';

export class ExplainCommand extends ProjectCommand {
  static override paths = [['explain']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'say which extensions would rebuild and why',
    examples: [
      ['Why would faasd rebuild?', '$0 explain faasd'],
      ['Would the shared cache supply it?', '$0 explain faasd --remote-cache http://cache.example:8080/'],
    ],
  });

  override remoteCache = Option.String('--remote-cache', { description: 'also ask this Bazel HTTP remote cache whether it holds what would rebuild' });
  names = Option.Rest();

  async execute(): Promise<number> {
    return this.run(async () => {
      const { explainBuild } = await import('../../builder/explain.js');
      const { defaultPlugins } = await import('../../plugins.js');
      const reporter = this.reporter();
      const targets = this.targets();
      // Every configured target, as `all` builds them; each event names its target.
      for (const target of targets) {
        if (targets.length > 1) reporter.emit({ type: 'info', message: `target ${targetName(target)}` });
        const result = await explainBuild({
          recipesDir: this.recipesDir(),
          overlaysDir: this.overlaysDir(),
          outDir: this.outDir(),
          target,
          only: this.names.length ? this.names : undefined,
          env: this.context.env,
          plugins: defaultPlugins({ projectDir: dirname(this.recipesDir()) }),
          displayBase: this.context.cwd,
          cacheDir: this.cacheDir(),
          outputCache: { remote: this.remoteCacheUrl() === undefined ? undefined : { url: this.remoteCacheUrl()!, upload: false, timeoutMs: 30_000, network: this.network() } },
          reporter: this.reporter(),
        });
        const named = { target: targetName(target) };
        for (const e of result) {
          reporter.emit(e.upToDate ? { type: 'skip', name: e.name, reason: `up to date, key ${e.key.slice(0, 12)}`, ...named } : { type: 'rebuild', name: e.name, reasons: e.reasons, ...(e.cache ? { cache: e.cache } : {}), ...named });
        }
      }
    });
  }

  /** --remote-cache, else remote-cache: in tczbuild.yaml. */
  private remoteCacheUrl(): string | undefined {
    return this.settings().remoteCache.value;
  }
}
