/**
 * `tczbuild index DIR`: (re)write the mirror-wide indexes and .tree files of every tcz
 * directory under DIR, e.g. after CI jobs each published some extensions into one tree.
 * `--upstream-indexes` merges an upstream mirror's index files so update-everything works;
 * `--upstream URL` (or $TCZBUILD_UPSTREAM) fetches them into the cache and merges them by default.
 */
import { resolve, sep } from 'node:path';
import { defaultCacheDir } from '../../util/cache-dir.js';
import { Option } from 'clipanion';
import { fail } from '../../diagnostics/errors.js';
import { BaseCommand } from '../base-command.js';

export class IndexCommand extends BaseCommand {
  static override paths = [['index']];
  static override usage = BaseCommand.Usage({
    description: 'regenerate info.lst, sizelist, md5.db, tags.db, provides.db, dep.db (+ .gz) and NAME.tcz.tree',
    details: 'DIR is a tcz directory or an out/ tree holding <major>.x/<arch>/tcz. Pass an upstream mirror\'s index files (a directory, or files such as md5.db.gz dep.db.gz) with --upstream-indexes so the indexes list upstream extensions too; TinyCore\'s update-everything refuses a mirror whose md5.db and dep.db lack zstd.tcz.',
    examples: [
      ['Index a merged CI output', 'tczbuild index out --upstream-indexes upstream-indexes/'],
      ["Merge a mirror's indexes, fetched and cached", 'tczbuild index out --upstream http://repo.tinycorelinux.net'],
    ],
  });

  dir = Option.String({ required: false });
  upstreamIndexes = Option.Array('--upstream-indexes', { description: 'upstream index directory or file (repeatable)' });
  upstream = Option.String('--upstream', { description: 'an upstream TinyCore mirror (default: $TCZBUILD_UPSTREAM): its indexes are fetched, cached and merged' });
  upstreamMaxAge = Option.String('--upstream-max-age', { description: 'seconds before cached upstream indexes are fetched again (default 21600)' });
  cache = Option.String('--cache', { description: 'where fetched upstream indexes are kept (default: $XDG_CACHE_HOME/tczbuild or ~/.cache/tczbuild)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      await import('../../mirror/codes.js'); // registers the mirror-* ids fail() below reports
      const { findTczDirs, isDirectory, listExtensions } = await import('../../mirror/scan.js');
      const { writeMirrorIndexes } = await import('../../mirror/write-indexes.js');
      const given = this.dir ?? 'out';
      const dir = resolve(this.context.cwd, given);
      if (!(await isDirectory(dir))) fail('mirror-root-missing', { file: given }, `${given} is not a directory`);
      const tczDirs = await findTczDirs(dir);
      if (tczDirs.length === 0) fail('mirror-no-tcz-dir', { file: given }, `no <major>.x/<arch>/tcz directory under ${given}`);
      const givenFiles = (this.upstreamIndexes ?? []).map((p) => resolve(this.context.cwd, p));
      const mirror = this.upstream ?? (this.context.env.TCZBUILD_UPSTREAM || undefined);
      const maxAgeMs = this.upstreamMaxAge === undefined ? undefined : this.nonNegativeSeconds('--upstream-max-age', this.upstreamMaxAge);
      for (const tczDir of tczDirs) {
        const upstream = [...givenFiles, ...(mirror === undefined ? [] : [await this.fetched(mirror, tczDir, maxAgeMs)])];
        await writeMirrorIndexes(tczDir, { upstreamIndexFiles: upstream });
        const count = (await listExtensions(tczDir)).length;
        this.reporter().emit({ type: 'info', message: `indexed ${count} extension(s) in ${tczDir}${upstream.length ? ' (merged with upstream indexes)' : ''}` });
      }
    });
  }

  private async fetched(upstream: string, tczDir: string, maxAgeMs: number | undefined): Promise<string> {
    const { ensureUpstreamIndexes, defaultUpstreamIndexMaxAgeMs } = await import('../../mirror/upstream-indexes.js');
    const { parseTczRelPath } = await import('../../mirror/layout.js');
    const target = parseTczRelPath(tczDir.split(sep).filter((s) => s !== ''));
    if (!target) fail('mirror-no-tcz-dir', { file: tczDir }, `${tczDir} is not a <major>.x/<arch>/tcz directory, so the upstream indexes to merge are unknown`);
    const cacheDir = this.cache ? resolve(this.context.cwd, this.cache) : defaultCacheDir(this.context.env);
    return ensureUpstreamIndexes({ upstream, ...target, cacheDir, maxAgeMs: maxAgeMs ?? defaultUpstreamIndexMaxAgeMs, log: (message) => this.reporter().emit({ type: 'info', message }) });
  }
}
