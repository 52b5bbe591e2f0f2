/**
 * `tczbuild new NAME --from URL…`: download each URL into the cache (the same fetch code as
 * builds), record its sha256, look inside to propose extract: or install:, fill what the URL
 * tells of the .info fields, and write recipes/NAME.yaml, which lint accepts; TODO comments mark
 * what could not be known.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Option, UsageError } from 'clipanion';
import { ProjectCommand, type SharedFlag } from '../project-command.js';

export class NewCommand extends ProjectCommand {
  /** Shared flags this command refuses (refusedFlags): parsed so they are refused with a reason, kept out of --help. */
  override out = Option.String('--out', { hidden: true });

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return {
      out: 'it writes a recipe and builds nothing into out/',
    };
  }

  static override paths = [['new']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'write a recipe for NAME from the release files it is built from',
    details: 'Downloads each --from URL into the cache, records its sha256, proposes extract: (strip, into, include) for archives and install: for single files, and writes recipes/NAME.yaml with a TODO on each guess. The result passes `tczbuild lint`.',
    examples: [['Start a recipe from a release tarball', '$0 new hello --from https://example.com/hello-1.2.0-linux-amd64.tar.gz']],
  });

  name = Option.String();
  from = Option.Array('--from', { required: true, description: 'a release file to build from: archive or single binary (repeatable)' });
  force = Option.Boolean('--force', false, { description: 'overwrite an existing recipe' });

  async execute(): Promise<number> {
    return this.run(async () => {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9._+-]*$/.test(this.name)) throw new UsageError(`NAME is an extension name (letters, digits, . _ + -), not "${this.name}"`);
      for (const url of this.from) if (!/^(https?|file):\/\/./.test(url)) throw new UsageError(`--from takes an http(s):// or file:// URL, not "${url}"`);
      const file = join(this.recipesDir(), `${this.name}.yaml`);
      if (existsSync(file) && !this.force) throw new UsageError(`${relative(this.context.cwd, file)} exists: pass --force to overwrite it`);
      const [{ fetchAndHash }, { SourceCache }, { inspectDownload }, { proposeSource, urlFacts }, { renderRecipe }, { parseRecipe }, { normalizeRecipe }] = await Promise.all([
        import('../../builder/fetch/fetch-sources.js'),
        import('../../builder/fetch/source-cache.js'),
        import('../../scaffold/inspect.js'),
        import('../../scaffold/propose.js'),
        import('../../scaffold/render.js'),
        import('../../recipe/parse.js'),
        import('../../recipe/normalize.js'),
      ]);
      const reporter = this.reporter();
      const cache = new SourceCache(this.cacheDir());
      const sources = [];
      const { splitUserinfo } = await import('../../util/credentials.js');
      for (const url of this.from) {
        const entry = await fetchAndHash(url, { cache, mirrors: this.sourceMirrorList(), reporter, network: this.network() });
        // `user:password@` is for this download only: a recipe is committed and published, so
        // it names the URL without it (the build finds credentials in ~/.netrc)
        const { url: shown, credentials } = splitUserinfo(url);
        const proposal = proposeSource(this.name, shown, entry.sha256, await inspectDownload(entry.path, this.context.env));
        reporter.emit({ type: 'info', message: `${shown}: sha256 ${entry.sha256}, ${proposal.extract ? `archive → extract into /${proposal.extract.into}` : `file → /${proposal.install!.to}`}` });
        if (credentials) reporter.emit({ type: 'info', message: `${shown}: the credentials in the URL were not written into the recipe; put them in ~/.netrc (machine ${new URL(shown).hostname}) for builds` });
        sources.push(proposal);
      }
      const text = renderRecipe(this.name, urlFacts(splitUserinfo(this.from[0]!).url), sources, `tczbuild new ${this.name} --from …`);
      // What we write must be a recipe lint accepts; anything else is a bug here.
      const parsed = parseRecipe(text, file);
      const problems = parsed.ok ? normalizeRecipe(parsed.value, parsed.map, this.target()).diagnostics : parsed.diagnostics;
      if (problems.length) throw new Error(`tczbuild new wrote a recipe lint refuses: ${problems.map((d) => d.message).join('; ')}`);
      await mkdir(this.recipesDir(), { recursive: true });
      await writeFile(file, text);
      // The recipe's `$schema=./recipe.schema.json` line must resolve in this project.
      const schema = join(this.recipesDir(), 'recipe.schema.json');
      if (!existsSync(schema)) {
        const { renderRecipeJsonSchema } = await import('../../recipe/json-schema.js');
        await writeFile(schema, renderRecipeJsonSchema());
        reporter.emit({ type: 'info', message: `wrote ${relative(this.context.cwd, schema)} (the schema the recipe's $schema line names)` });
      }
      const todos = text.split('\n').filter((l) => l.includes('# TODO')).length;
      reporter.emit({ type: 'result', recipe: file, todos });
      reporter.emit({ type: 'info', message: `wrote ${relative(this.context.cwd, file)} (${todos} TODOs to check), then: tczbuild lint && tczbuild build ${this.name}` });
    });
  }
}
