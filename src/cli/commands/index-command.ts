/**
 * `tczbuild index DIR`: (re)write the mirror-wide indexes and .tree files of every tcz
 * directory under DIR, e.g. after CI jobs each published some extensions into one tree.
 * `--upstream-indexes` merges an upstream mirror's index files so update-everything works.
 */
import { resolve } from 'node:path';
import { Option } from 'clipanion';
import { fail } from '../../diagnostics/errors.js';
import { BaseCommand } from '../base-command.js';

export class IndexCommand extends BaseCommand {
  static override paths = [['index']];
  static override usage = BaseCommand.Usage({
    description: 'regenerate info.lst, sizelist, md5.db, tags.db, provides.db, dep.db (+ .gz) and NAME.tcz.tree',
    details: 'DIR is a tcz directory or an out/ tree holding <major>.x/<arch>/tcz. Pass an upstream mirror\'s index files (a directory, or files such as md5.db.gz dep.db.gz) with --upstream-indexes so the indexes list upstream extensions too; TinyCore\'s update-everything refuses a mirror whose md5.db and dep.db lack zstd.tcz.',
    examples: [['Index a merged CI output', 'tczbuild index out --upstream-indexes upstream-indexes/']],
  });

  dir = Option.String({ required: false });
  upstreamIndexes = Option.Array('--upstream-indexes', { description: 'upstream index directory or file (repeatable)' });

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
      const upstream = (this.upstreamIndexes ?? []).map((p) => resolve(this.context.cwd, p));
      for (const tczDir of tczDirs) {
        await writeMirrorIndexes(tczDir, { upstreamIndexFiles: upstream });
        const count = (await listExtensions(tczDir)).length;
        this.reporter().emit({ type: 'info', message: `indexed ${count} extension(s) in ${tczDir}${upstream.length ? ' (merged with upstream indexes)' : ''}` });
      }
    });
  }
}
