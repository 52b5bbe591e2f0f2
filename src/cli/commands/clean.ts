/** `tczbuild clean`: remove what killed or failed builds left beside out/ (and with --all, out/ itself). */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Option } from 'clipanion';
import { ProjectCommand } from '../project-command.js';

export class CleanCommand extends ProjectCommand {
  static override paths = [['clean']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: 'remove leftover work directories (and out/ with --all)',
    examples: [['Start from scratch', '$0 clean --all']],
  });

  all = Option.Boolean('--all', false, { description: 'also remove the output directory itself' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const out = this.outDir();
      const prefix = `.${basename(out)}.`;
      const parent = dirname(out);
      const removed: string[] = [];
      for (const name of await readdir(parent).catch(() => [] as string[])) {
        if (name.startsWith(prefix) && /\.(new|old|work)-\d+$/.test(name)) {
          await rm(join(parent, name), { recursive: true, force: true });
          removed.push(name);
        }
      }
      if (this.all) {
        await rm(out, { recursive: true, force: true });
        removed.push(basename(out));
      }
      this.reporter().emit({ type: 'info', message: removed.length ? `removed ${removed.join(', ')}` : 'nothing to clean' });
    });
  }
}
