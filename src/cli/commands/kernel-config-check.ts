/** `tczbuild kernel-config check CONFIG`: does this kernel have what the fragments ask for, and if not, why. */
import { resolve } from 'node:path';
import { Option } from 'clipanion';
import { BaseCommand } from '../base-command.js';
import { ExitCode } from '../exit-codes.js';

export class KernelConfigCheckCommand extends BaseCommand {
  static override paths = [['kernel-config', 'check']];
  static override usage = BaseCommand.Usage({
    category: 'Kernel commands',
    description: 'check a kernel config against the kernel-config fragments',
    details: `
      Reads a \`.config\`, a \`config.gz\` or \`/proc/config.gz\` and reports every symbol the fragments
      request that is missing, has another value, is \`=m\` where it must be built in, is a module no
      init script loads, or (with \`--kernel-tree\`) does not exist in that kernel. Each finding says who
      needs the symbol, why, and the values of what it depends on.

      Without \`--recipes\` every fragment in kernel-config/ is checked. Exits 1 when a required symbol
      is not satisfied; with \`--werror\` also for recommended ones and warnings.
    `,
    examples: [
      ['Check the running TinyCore kernel', '$0 kernel-config check /proc/config.gz --recipes recipes'],
      ['Check a config against a source tree, failing on any finding', '$0 kernel-config check .config --kernel-tree /usr/src/linux --werror'],
    ],
  });

  config = Option.String({ name: 'config' });
  recipes = Option.String('--recipes', { description: 'check only the fragments these recipes name (and their init-script modules)' });
  kernelConfig = Option.String('--kernel-config', { description: 'fragments and symbols.yaml (default: ./kernel-config, else the bundled one)' });
  kernelTree = Option.String('--kernel-tree', { description: 'Linux source tree of this kernel: unknown symbols are reported as such' });
  modules = Option.String('--modules', { description: 'comma-separated modules the init scripts load (overrides the recipes)' });
  werror = Option.Boolean('--werror', false, { description: 'exit non-zero on recommended findings and warnings too' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { runConfigCheck } = await import('../../kconfig/check-service.js');
      const { defaultKernelConfigDir } = await import('../../kconfig/load.js');
      const { loadRecipesForKernel } = await import('../../kconfig/load-recipes.js');
      const { renderReport } = await import('../../kconfig/report.js');
      const cwd = this.context.cwd;
      const recipes = this.recipes ? await loadRecipesForKernel(resolve(cwd, this.recipes), cwd) : undefined;
      const outcome = await runConfigCheck({
        configPath: resolve(cwd, this.config),
        env: this.context.env,
        displayBase: cwd,
        kernelConfigDir: this.kernelConfig ? resolve(cwd, this.kernelConfig) : defaultKernelConfigDir(cwd),
        ...(recipes ? { recipes } : {}),
        ...(this.kernelTree ? { kernelTree: resolve(cwd, this.kernelTree) } : {}),
        ...(this.modules !== undefined ? { modules: this.modules.split(',').map((m) => m.trim()).filter(Boolean) } : {}),
      });
      const findingCount = outcome.result.findings.length;
      const inputDiagnostics = outcome.diagnostics.slice(0, outcome.diagnostics.length - findingCount);
      if (this.json) {
        for (const d of outcome.diagnostics) this.reporter().emit({ type: 'diagnostic', diagnostic: d });
        this.reporter().emit({ type: 'result', command: 'kernel-config check', config: this.config, fragments: outcome.fragments, ok: outcome.result.ok, findings: outcome.result.findings });
      } else {
        for (const d of inputDiagnostics) this.reporter().emit({ type: 'diagnostic', diagnostic: d });
        this.context.stdout.write(renderReport(outcome.result, { config: this.config, fragments: outcome.fragments, ...(this.kernelTree ? { kernelTree: this.kernelTree } : {}), modulesKnown: outcome.modulesKnown }));
      }
      const failing = outcome.diagnostics.some((d) => d.severity === 'error' || (this.werror && d.severity === 'warning'));
      return failing ? ExitCode.failed : ExitCode.ok;
    });
  }
}
