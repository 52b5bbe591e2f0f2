/**
 * `tczbuild index DIR`: (re)write the mirror-wide indexes and .tree files of every tcz
 * directory under DIR, e.g. after CI jobs each published some extensions into one tree.
 * `--upstream-index` merges an upstream mirror's index files so update-everything works;
 * `--upstream URL` (or $TCZBUILD_UPSTREAM) fetches them into the cache and merges them by default.
 */
import { relative, resolve, sep } from 'node:path';
import { Option } from 'clipanion';
import { fail } from '../../diagnostics/errors.js';
import { ProjectCommand, type SharedFlag } from '../project-command.js';
import { targetName } from '../../config/settings.js';

export class IndexCommand extends ProjectCommand {
  static override paths = [['index']];
  static override usage = ProjectCommand.Usage({
    description: 'regenerate info.lst, sizelist, md5.db, tags.db, provides.db, dep.db (+ .gz) and NAME.tcz.tree',
    details: 'DIR is a tcz directory or an out/ tree holding <major>.x/<arch>/tcz. Pass an upstream mirror\'s index files (a directory, or files such as md5.db.gz dep.db.gz) with --upstream-index so the indexes list upstream extensions too; TinyCore\'s update-everything refuses a mirror whose md5.db and dep.db lack zstd.tcz.',
    examples: [
      ['Index a merged CI output', 'tczbuild index out --upstream-index upstream-indexes/'],
      ["Merge a mirror's indexes, fetched and cached", 'tczbuild index out --upstream http://repo.tinycorelinux.net'],
    ],
  });

  dir = Option.String({ required: false });
  upstreamIndexes = Option.Array('--upstream-index', [], { description: "an upstream mirror's index directory or file (md5.db.gz, dep.db.gz, …) to merge (repeatable)" });
  /** The old spelling, still taken, with a note. */
  oldUpstreamIndexes = Option.Array('--upstream-indexes', [], { hidden: true });
  override upstream = Option.String('--upstream', { description: 'an upstream TinyCore mirror (default: upstream: in tczbuild.yaml, else $TCZBUILD_UPSTREAM): its indexes are fetched, cached and merged' });
  upstreamMaxAge = Option.String('--upstream-max-age', { description: 'seconds before cached upstream indexes are fetched again (default 21600)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { findTczDirs, isDirectory, listExtensions } = await import('../../mirror/scan.js');
      const { writeMirrorIndexes } = await import('../../mirror/write-indexes.js');
      // DIR, else --out, else out: in tczbuild.yaml, else out
      const dir = this.dir === undefined ? this.outDir() : resolve(this.context.cwd, this.dir);
      const given = this.dir ?? (relative(this.context.cwd, dir) || '.');
      if (!(await isDirectory(dir))) fail('mirror-root-missing', { file: given }, `${given} is not a directory`);
      const narrowed = this.settings().targets.origin !== 'default';
      const wanted = this.targets().map((t) => `${sep}${t.tcVersion}.x${sep}${t.arch}${sep}tcz`);
      const tczDirs = (await findTczDirs(dir)).filter((d) => !narrowed || wanted.some((w) => d.endsWith(w)));
      if (tczDirs.length === 0) fail('mirror-no-tcz-dir', { file: given }, `no <major>.x/<arch>/tcz directory under ${given}${narrowed ? ` for ${this.targets().map(targetName).join(', ')}` : ''}`);
      if (this.oldUpstreamIndexes.length) this.reporter().emit({ type: 'info', message: 'warning: --upstream-indexes is now spelled --upstream-index, as in `all`; taken this once' });
      const givenFiles = [...this.upstreamIndexes, ...this.oldUpstreamIndexes].map((p) => resolve(this.context.cwd, p));
      // --upstream, else upstream: in tczbuild.yaml, else $TCZBUILD_UPSTREAM
      const mirror = this.settings().upstream.value;
      const maxAgeMs = this.upstreamMaxAge === undefined ? undefined : this.nonNegativeSeconds('--upstream-max-age', this.upstreamMaxAge);
      for (const tczDir of tczDirs) {
        const upstream = [...givenFiles, ...(mirror === undefined ? [] : [await this.fetched(mirror, tczDir, maxAgeMs)])];
        await writeMirrorIndexes(tczDir, { upstreamIndexFiles: upstream });
        const count = (await listExtensions(tczDir)).length;
        this.reporter().emit({ type: 'info', message: `indexed ${count} extension(s) in ${tczDir}${upstream.length ? ' (merged with upstream indexes)' : ''}` });
      }
    });
  }

  /** Shared flags this command refuses (refusedFlags): parsed so they are refused with a reason, kept out of --help. */
  override recipes = Option.String('--recipes', { hidden: true });
  override overlays = Option.String('--overlays', { hidden: true });

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return {
      recipes: 'it indexes the extensions already in the mirror, and reads no recipes',
      overlays: 'it indexes the extensions already in the mirror, and reads no overlays',
    };
  }

  private async fetched(upstream: string, tczDir: string, maxAgeMs: number | undefined): Promise<string> {
    const { ensureUpstreamIndexes, defaultUpstreamIndexMaxAgeMs } = await import('../../mirror/upstream-indexes.js');
    const { parseTczRelPath } = await import('../../mirror/layout.js');
    const target = parseTczRelPath(tczDir.split(sep).filter((s) => s !== ''));
    if (!target) fail('mirror-no-tcz-dir', { file: tczDir }, `${tczDir} is not a <major>.x/<arch>/tcz directory, so the upstream indexes to merge are unknown`);
    return ensureUpstreamIndexes({ upstream, ...target, cacheDir: this.cacheDir(), maxAgeMs: maxAgeMs ?? defaultUpstreamIndexMaxAgeMs, network: this.network(), log: (message) => this.reporter().emit({ type: 'info', message }) });
  }
}
