/**
 * `tczbuild lint`: validate every recipe without building or downloading: schema, variables,
 * paths, rules of the modules that own recipe sections, recipe hook bodies (ash -n and
 * shellcheck), the project's box definitions (boxes/*.yaml), and the list of what is unpinned.
 */
import { dirname, join, resolve } from 'node:path';
import { Option } from 'clipanion';
import { sortDiagnostics } from '../../diagnostics/diagnostic.js';
import { ExitCode } from '../exit-codes.js';
import { ProjectCommand, type SharedFlag } from '../project-command.js';

export class LintCommand extends ProjectCommand {
  upstreamIndexes = Option.Array('--upstream-index', [], { description: "an upstream mirror's index directory or file (md5.db.gz, info.lst, …): a depends: entry it lists is an upstream extension, not a typo (repeatable)" });
  strict = Option.Boolean('--strict', false, { description: 'for CI: also refuse TODO values, unsupported glob syntax, patterns that match nothing (archives read from the download cache), missing overlays and escaping symlinks, and fail on every warning' });
  /** Shared flags this command refuses (refusedFlags): parsed so they are refused with a reason, kept out of --help. */
  override out = Option.String('--out', { hidden: true });
  override cache = Option.String('--cache', { hidden: true });

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return {
      out: 'it checks recipes and writes nothing under out/',
      cache: 'it checks recipes offline and downloads nothing',
    };
  }

  static override paths = [['lint']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'check recipes without building; list unpinned sources and images',
    details: 'Exits 1 when a recipe has an error. Unpinned sources and images are warnings here: `all` refuses them until `tczbuild pin` fills them in on a connected machine.',
    examples: [['Check all recipes', '$0 lint']],
  });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { defaultPlugins } = await import('../../plugins.js');
      const { planBuild } = await import('../../builder/plan.js');
      const { loadRecipes } = await import('../../recipe/load.js');
      const { unpinnedSources } = await import('../../recipe/rules.js');
      const { recipesForTarget } = await import('../../builder/target-recipes.js');
      const { lintUserHooks } = await import('../../initd/hook-lint.js');
      const { lintBoxes } = await import('../../box/lint.js');
      const { strictChecks } = await import('../../recipe/strict.js');
      const { patternCoverage } = await import('../../builder/pattern-coverage.js');
      const { SourceCache } = await import('../../builder/fetch/source-cache.js');
      const { generateInitFiles } = await import('../../initd/index.js');
      const unchecked = new Set<string>();
      const reporter = this.reporter();
      const plugins = defaultPlugins({ projectDir: dirname(this.recipesDir()) });
      const indexes = this.upstreamIndexes.map((f) => resolve(this.context.cwd, f));
      const upstream = indexes.length ? { names: await (await import('../../mirror/upstream-names.js')).upstreamExtensionNames(indexes), from: this.upstreamIndexes.join(', ') } : undefined;
      // Each target sees its own sources (arch:) and variables, so each is checked.
      const seen = new Set<string>();
      let count = 0;
      let recipeCount = 0;
      let errors = 0;
      for (const target of this.targets()) {
        const { recipes, diagnostics } = await loadRecipes({ recipesDir: this.recipesDir(), target, displayBase: this.context.cwd, rules: plugins.flatMap((p) => p.rules ?? []), ...(upstream ? { upstream } : {}) });
        planBuild(recipes); // cycles are errors
        const { skipped } = recipesForTarget(recipes, target);
        const unpinned = recipes.flatMap((r) => unpinnedSources(r, 'warning'));
        // Hook bodies are read by the real ash and shellcheck, once per target like the rest.
        const hooks = await lintUserHooks(recipes, target, this.context.env);
        const strict = this.strict ? recipes.flatMap((r) => strictChecks(r, this.overlaysDir())) : [];
        if (this.strict) {
          // Patterns that match nothing: judged against archives the cache already holds (lint never downloads).
          const cache = new SourceCache(this.cacheDir());
          for (const r of recipes) {
            const generated = r.written.images?.length ? { unknown: 'its images: are pulled and staged only at build time' } : generateInitFiles(r, target).map((f) => f.path);
            const c = await patternCoverage({ recipe: r, overlaysDir: this.overlaysDir(), cache, generated, env: this.context.env });
            strict.push(...c.diagnostics);
            for (const u of c.unchecked) unchecked.add(u);
          }
        }
        for (const d of sortDiagnostics([...diagnostics, ...unpinned, ...skipped, ...hooks, ...strict])) {
          const key = JSON.stringify(d);
          if (seen.has(key)) continue;
          seen.add(key);
          count++;
          if (d.severity === 'error') errors++;
          reporter.emit({ type: 'diagnostic', diagnostic: d });
        }
        recipeCount = recipes.length;
      }
      for (const u of unchecked) reporter.emit({ type: 'info', message: `not checked: ${u}` });
      const boxes = await lintBoxes(join(dirname(this.recipesDir()), 'boxes'), this.context.cwd);
      for (const d of sortDiagnostics(boxes.diagnostics)) {
        count++;
        if (d.severity === 'error') errors++;
        reporter.emit({ type: 'diagnostic', diagnostic: d });
      }
      // Errors found while loading recipes throw before this; these come from checks that run after it.
      if (errors > 0 || (this.strict && count > 0)) return ExitCode.failed;
      const boxText = boxes.count > 0 ? `, ${boxes.count} boxes` : '';
      reporter.emit({ type: 'info', message: `${recipeCount} recipes${boxText} ok${count ? `, ${count} warnings` : ''}` });
      return ExitCode.ok;
    });
  }
}
