/**
 * `tczbuild pin [NAME…]`: on a connected machine, resolve image tags to manifest digests and
 * fill unpinned source sha256s, rewriting the recipes in place with comments kept; prints each
 * change. `--offline` pins only from what the cache and local mirrors already hold.
 */
import { Option } from 'clipanion';
import { diag, sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { PinChange } from '../../images/pin/pin-recipes.js';
import { ExitCode } from '../exit-codes.js';
import { ProjectCommand, type SharedFlag } from '../project-command.js';
import { targetName } from '../../config/settings.js';

export class PinCommand extends ProjectCommand {
  /** Shared flags this command refuses (refusedFlags): parsed so they are refused with a reason, kept out of --help. */
  override out = Option.String('--out', { hidden: true });
  override overlays = Option.String('--overlays', { hidden: true });

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return {
      out: 'it rewrites recipes and writes nothing under out/',
      overlays: 'overlays are local files with nothing to pin',
    };
  }

  static override paths = [['pin']];
  static override usage = ProjectCommand.Usage({
    category: 'Recipe commands',
    description: 'resolve image digests and source hashes and write them into the recipes',
    details:
      'Fills every `digest: unpinned` with the digest of the manifest or index the registry serves for the tag, and every missing or `unpinned` source sha256 with the hash of the downloaded file. Comments and layout of the recipe are kept. `--force` re-resolves pinned entries too and rewrites those that changed.',
    examples: [
      ['Pin everything unpinned', '$0 pin'],
      ['Re-check the faasd recipe against the registries', '$0 pin faasd --force'],
    ],
  });

  names = Option.Rest();
  force = Option.Boolean('--force', false, { description: 're-resolve entries that are already pinned' });
  offline = Option.Boolean('--offline', false, { description: 'use only the cache and local --source-mirror directories' });
  override registryMirrors = Option.Array('--registry-mirror', [], { description: 'HOST=URL: talk to URL for registry HOST (repeatable)' });
  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream for sources (repeatable)' });
  boxes = Option.String('--boxes', { description: 'directory of box definitions whose kernel/initrd hashes to pin too (default: boxes beside the recipes directory)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { SourceCache } = await import('../../builder/fetch/source-cache.js');
      const { pinRecipes } = await import('../../images/pin/pin-recipes.js');
      const { pinBoxes } = await import('../../box/pin.js');
      const { RegistryClient } = await import('../../images/registry/client.js');
      const { resolve } = await import('node:path');
      const sourceMirrors = this.sourceMirrorList();
      // Every configured target: a source for one arch only is pinned when that target is.
      const targets = this.targets();
      const result = { changes: [] as PinChange[], unchanged: 0, diagnostics: [] as Diagnostic[], seen: new Set<string>() };
      for (const target of targets) {
        if (targets.length > 1) this.reporter().emit({ type: 'info', message: `target ${targetName(target)}` });
        const one = await pinRecipes({
          recipesDir: this.recipesDir(),
          names: this.names,
          force: this.force,
          offline: this.offline,
          cache: new SourceCache(this.cacheDir()),
          target,
          displayBase: this.context.cwd,
          registryMirrors: this.registryMirrorMap(),
          sourceMirrors,
          env: this.context.env,
          network: this.network(),
        });
        result.changes.push(...one.changes);
        // entries shared by the targets are counted once, not once per target
        result.unchanged = Math.max(result.unchanged, one.unchanged);
        result.diagnostics.push(...one.diagnostics.filter((d) => !result.diagnostics.some((e) => e.id === d.id && e.message === d.message && e.file === d.file && e.line === d.line)));
        for (const n of one.seen) result.seen.add(n);
      }
      const boxes = await pinBoxes({
        boxesDir: this.boxes ? this.resolvePath(this.boxes) : resolve(this.recipesDir(), '..', 'boxes'),
        names: this.names,
        force: this.force,
        displayBase: this.context.cwd,
        ctx: { cache: new SourceCache(this.cacheDir()), client: this.offline ? undefined : new RegistryClient({ mirrors: {}, network: this.network() }), sourceMirrors, env: this.context.env, network: this.network() },
      });
      const merged = {
        changes: [...result.changes, ...boxes.changes],
        unchanged: result.unchanged + boxes.unchanged,
        diagnostics: [
          ...result.diagnostics,
          ...boxes.diagnostics,
          // A name may be a recipe or a box: only one that is neither is unknown.
          ...this.names.filter((n) => !result.seen.has(n) && !boxes.seen.has(n)).map((n) => diag('recipe-not-found', undefined, `no recipe named ${n} in ${this.recipesDir()}`)),
        ],
      };
      this.report(merged);
      return merged.diagnostics.some((d) => d.severity === 'error') ? ExitCode.failed : ExitCode.ok;
    });
  }

  private report(result: { changes: readonly PinChange[]; unchanged: number; diagnostics: readonly Diagnostic[] }): void {
    const reporter = this.reporter();
    for (const c of result.changes) {
      const at = c.file === undefined ? '' : `${c.file}:${c.line ?? 0}:${c.col ?? 0}: `;
      reporter.emit({ type: 'info', message: `${at}${c.what}: ${c.from} → ${c.to}`, data: { ...c } });
    }
    for (const d of sortDiagnostics(result.diagnostics)) reporter.emit({ type: 'diagnostic', diagnostic: d });
    reporter.emit({ type: 'result', pinned: result.changes.length, unchanged: result.unchanged, failed: result.diagnostics.filter((d) => d.severity === 'error').length });
    if (!this.json) reporter.emit({ type: 'info', message: `${result.changes.length} pinned, ${result.unchanged} unchanged` });
  }
}
