/**
 * `tczbuild clean`: remove what killed builds left beside out/ — half-assembled mirrors, work
 * directories, private lock files — and repair a swap cut between its two renames. Leftovers of
 * a build that is still running are never touched. With --all, out/ itself goes too.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Option } from 'clipanion';
import { ProjectCommand } from '../project-command.js';

export class CleanCommand extends ProjectCommand {
  static override paths = [['clean']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'remove what killed builds left beside out/ (and out/ with --all)',
    examples: [['Start from scratch', '$0 clean --all']],
  });

  all = Option.Boolean('--all', false, { description: 'also remove the output directory itself' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const [{ recoverOut }, { isProcessAlive }] = await Promise.all([import('../../builder/publish.js'), import('../../util/process.js')]);
      const out = this.outDir();
      const parent = dirname(out);
      const before = new Set(await readdir(parent).catch(() => [] as string[]));
      await recoverOut(out, isProcessAlive);
      // Private lock files (out.lock.<pid>-<hex>) of builds killed while taking the lock.
      const lockPrefix = `${basename(out)}.lock.`;
      for (const name of before) {
        const pid = name.startsWith(lockPrefix) ? /^(\d+)-[0-9a-f]+$/.exec(name.slice(lockPrefix.length))?.[1] : undefined;
        if (pid && !isProcessAlive(Number(pid))) await rm(join(parent, name), { force: true });
      }
      if (this.all) await rm(out, { recursive: true, force: true });
      const after = new Set(await readdir(parent).catch(() => [] as string[]));
      const restored = !before.has(basename(out)) && after.has(basename(out));
      const removed = [...before].filter((n) => !after.has(n) && !(restored && /\.old-\d+$/.test(n)));
      const said = [...(restored ? [`restored ${basename(out)} from a publish cut short`] : []), ...(removed.length ? [`removed ${removed.join(', ')}`] : [])];
      this.reporter().emit({ type: 'info', message: said.length ? said.join('; ') : 'nothing to clean' });
    });
  }
}
