/** `tczbuild kernel-module build`: compile the modules the fragments need that a kernel lacks, packed as NAME-KERNEL.tcz. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Option } from 'clipanion';
import { BaseCommand } from '../base-command.js';

export class KernelModuleBuildCommand extends BaseCommand {
  static override paths = [['kernel-module', 'build']];
  static override usage = BaseCommand.Usage({
    category: 'Kernel commands',
    description: 'build missing kernel modules (e.g. overlay) as NAME-<kernelrelease>.tcz',
    details: `
      For every fragment symbol whose symbols.yaml entry names a module directory (overlay:
      fs/overlayfs) and that the base config does not already enable, configures a separate object
      tree from the base config plus \`CONFIG_X=m\` (\`make olddefconfig\`), runs \`make modules_prepare\`
      and \`make M=<dir> modules\` for just that directory, and packs the module under
      \`usr/local/lib/modules/<kernelrelease>/kernel/<dir>/\` as \`<dir-name>-<kernelrelease>.tcz\` with
      its .md5.txt, .info and .list. Use the exact source and config of the kernel the box runs, or
      the module's vermagic will not match.
    `,
    examples: [['Build overlay.ko for a TinyCore kernel', '$0 kernel-module build --source linux-6.1.2.tar.xz --base-config config-6.1.2-tinycore64 --out out/kernel']],
  });

  source = Option.String('--source', { required: true, description: 'Linux source tree or tarball of the target kernel' });
  baseConfig = Option.String('--base-config', { required: true, description: 'the target kernel .config (or config.gz)' });
  out = Option.String('--out', 'out/kernel', { description: 'directory for the .tcz and its companions' });
  recipes = Option.String('--recipes', { description: 'only the fragments these recipes name (default: all fragments)' });
  kernelConfig = Option.String('--kernel-config', { description: 'fragments and symbols.yaml (default: ./kernel-config, else the bundled one)' });
  work = Option.String('--work', { description: 'keep the unpacked source and object tree here (default: a temporary directory)' });
  jobs = Option.String('--jobs,-j', { description: 'make -j (default: number of CPUs)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { defaultKernelConfigDir } = await import('../../kconfig/load.js');
      const { loadRecipesForKernel } = await import('../../kconfig/load-recipes.js');
      const { buildKernelModules } = await import('../../kconfig/module-service.js');
      const cwd = this.context.cwd;
      const recipes = this.recipes ? await loadRecipesForKernel(resolve(cwd, this.recipes), cwd) : undefined;
      const epoch = this.context.env.SOURCE_DATE_EPOCH;
      const result = await buildKernelModules({
        source: resolve(cwd, this.source),
        baseConfig: resolve(cwd, this.baseConfig),
        outDir: resolve(cwd, this.out),
        kernelConfigDir: this.kernelConfig ? resolve(cwd, this.kernelConfig) : defaultKernelConfigDir(cwd),
        ...(recipes ? { recipes } : {}),
        ...(this.work ? { workDir: resolve(cwd, this.work) } : {}),
        ...(epoch !== undefined && /^\d+$/.test(epoch) ? { epoch: Number(epoch) } : {}),
        jobs: this.jobs === undefined ? availableParallelism() : this.positiveInteger('--jobs', this.jobs),
        log: (message) => this.reporter().emit({ type: 'info', message }),
      });
      if (result.status === 'nothing-to-build') {
        this.reporter().emit({ type: 'info', message: result.message });
        if (this.json) this.reporter().emit({ type: 'result', command: 'kernel-module build', status: result.status, message: result.message });
        return;
      }
      for (const p of result.packages) this.reporter().emit({ type: 'info', message: `built ${p.tczName} (${p.image.size} bytes): ${p.paths.join(', ')}` });
      if (this.json) {
        this.reporter().emit({ type: 'result', command: 'kernel-module build', status: result.status, kernelRelease: result.kernelRelease, packages: result.packages.map((p) => ({ name: p.tczName, files: p.files, md5: p.image.md5, size: p.image.size, paths: p.paths })) });
      }
    });
  }
}
