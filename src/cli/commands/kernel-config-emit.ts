/** `tczbuild kernel-config emit`: print or write the merged kernel-config fragment. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Option } from 'clipanion';
import { BaseCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';
import { hasErrors } from '../../diagnostics/diagnostic.js';

export class KernelConfigEmitCommand extends BaseCommand {
  static override paths = [['kernel-config', 'emit']];
  static override usage = BaseCommand.Usage({
    category: 'Kernel commands',
    description: 'print the merged kernel-config fragment',
    details: `
      Merges the fragments the recipes name (all of kernel-config/ without \`--recipes\`) the way the
      kernel's merge_config.sh does: a later fragment wins and the change is reported as "redefined by".
      The result can be merged into a kernel config with \`scripts/kconfig/merge_config.sh\`.
    `,
    examples: [
      ['Print what the recipes need', '$0 kernel-config emit --recipes recipes'],
      ['Write it for a kernel build', '$0 kernel-config emit --recipes recipes --output out/kernel/tczbuild.config'],
    ],
  });

  recipes = Option.String('--recipes', { description: 'merge only the fragments these recipes name' });
  kernelConfig = Option.String('--kernel-config', { description: 'fragments and symbols.yaml (default: ./kernel-config, else the bundled one)' });
  output = Option.String('--output,-o', { description: 'write to this file instead of stdout' });
  strict = Option.Boolean('--strict', false, { description: "a fragment redefining another's symbol is an error (merge_config.sh -s)" });
  noDemote = Option.Boolean('--no-demote', false, { description: 'never let a later fragment turn =y into =m (merge_config.sh -y)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { defaultKernelConfigDir } = await import('../../kconfig/load.js');
      const { loadRecipesForKernel } = await import('../../kconfig/load-recipes.js');
      const { collectKernelNeeds } = await import('../../kconfig/merge-recipes.js');
      const { renderMerged } = await import('../../kconfig/merge.js');
      const cwd = this.context.cwd;
      const recipes = this.recipes ? await loadRecipesForKernel(resolve(cwd, this.recipes), cwd) : undefined;
      const needs = await collectKernelNeeds(recipes, this.kernelConfig ? resolve(cwd, this.kernelConfig) : defaultKernelConfigDir(cwd), { displayBase: cwd, strict: this.strict, noDemote: this.noDemote });
      for (const d of needs.diagnostics) this.reporter().emit({ type: 'diagnostic', diagnostic: d });
      if (hasErrors(needs.diagnostics)) return ExitCode.failed;
      const text = renderMerged(needs.merged, needs.fragmentNames);
      if (this.output) {
        const file = resolve(cwd, this.output);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, text);
        this.reporter().emit({ type: 'info', message: `wrote ${this.output} (${needs.merged.entries.size} symbols from ${needs.fragmentNames.join(', ')})` });
      } else if (this.json) {
        this.reporter().emit({ type: 'result', command: 'kernel-config emit', fragments: needs.fragmentNames, text });
      } else {
        this.context.stdout.write(text);
      }
      return ExitCode.ok;
    });
  }
}
