/** `tczbuild kernel-module build`: compile the modules the fragments need that a kernel lacks, packed as NAME-KERNEL.tcz. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Option, UsageError } from 'clipanion';
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
      the module's vermagic will not match; a config made for another kernel version is refused.
      When the config has \`CONFIG_MODVERSIONS=y\` the kernel's \`Module.symvers\` is required
      (\`--symvers FILE\`), or build against a prepared headers tree with \`--headers DIR\` (its .config,
      Module.symvers and release; \`--base-config\` then only decides which modules are missing).
      Each built module is checked before packing: vermagic, and every undefined symbol exported by
      the target with its CRC in \`__versions\`. In a source tree the release is what the tree and
      config call themselves (Debian's source says 6.1.192, its kernel 6.1.0-57-amd64): \`--release\`
      pins it to the box's \`uname -r\` so the vermagic check is against the kernel that will load it.
      A compiler other than the one the config records (CONFIG_CC_VERSION_TEXT) is reported.
    `,
    examples: [
      ['Build overlay.ko for a TinyCore kernel', '$0 kernel-module build --source linux-6.1.2.tar.xz --base-config config-6.1.2-tinycore64 --symvers Module.symvers-6.1.2-tinycore64 --out out/kernel'],
      ["Build overlay.ko against Debian's headers", '$0 kernel-module build --source /usr/src/linux-source-6.1.tar.xz --headers /usr/src/linux-headers-6.1.0-57-amd64 --base-config no-overlay.config'],
    ],
  });

  source = Option.String('--source', { required: true, description: 'Linux source tree or tarball of the target kernel' });
  baseConfig = Option.String('--base-config', { description: 'the target kernel .config (or config.gz); default: the --headers .config' });
  symvers = Option.String('--symvers', { description: "the target kernel's Module.symvers (or .gz): symbol CRCs for CONFIG_MODVERSIONS" });
  headers = Option.String('--headers', { description: 'a prepared headers tree of the target kernel (e.g. /usr/src/linux-headers-RELEASE)' });
  out = Option.String('--out', 'out/kernel', { description: 'directory for the .tcz and its companions' });
  recipes = Option.String('--recipes', { description: 'only the fragments these recipes name (default: all fragments)' });
  kernelConfig = Option.String('--kernel-config', { description: 'fragments and symbols.yaml (default: ./kernel-config, else the bundled one)' });
  work = Option.String('--work', { description: 'keep the unpacked source and object tree here (default: a temporary directory)' });
  release = Option.String('--release', { description: "pin the modules' kernel release (vermagic, lib/modules dir, NAME-<release>.tcz) to the box's `uname -r`, e.g. 6.1.0-57-amd64 when Debian's source tree calls itself 6.1.192" });
  jobs = Option.String('--jobs,-j', { description: 'make -j (default: number of CPUs)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      if (this.baseConfig === undefined && this.headers === undefined) throw new UsageError('kernel-module build needs --base-config FILE or --headers DIR');
      const { defaultKernelConfigDir } = await import('../../kconfig/load.js');
      const { loadRecipesForKernel } = await import('../../kconfig/load-recipes.js');
      const { buildKernelModules } = await import('../../kconfig/module-service.js');
      const cwd = this.context.cwd;
      const recipes = this.recipes ? await loadRecipesForKernel(resolve(cwd, this.recipes), cwd) : undefined;
      const { sourceDateEpochFrom } = await import('../../util/source-date-epoch.js');
      const epoch = sourceDateEpochFrom(this.context.env);
      const result = await buildKernelModules({
        source: resolve(cwd, this.source),
        ...(this.baseConfig ? { baseConfig: resolve(cwd, this.baseConfig) } : {}),
        ...(this.symvers ? { symvers: resolve(cwd, this.symvers) } : {}),
        ...(this.headers ? { headers: resolve(cwd, this.headers) } : {}),
        outDir: resolve(cwd, this.out),
        kernelConfigDir: this.kernelConfig ? resolve(cwd, this.kernelConfig) : defaultKernelConfigDir(cwd),
        ...(recipes ? { recipes } : {}),
        ...(this.work ? { workDir: resolve(cwd, this.work) } : {}),
        ...(this.release ? { release: this.release } : {}),
        ...(epoch !== undefined ? { epoch } : {}),
        jobs: this.jobs === undefined ? availableParallelism() : this.positiveInteger('--jobs', this.jobs),
        log: (message) => this.reporter().emit({ type: 'info', message }),
        env: this.context.env,
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
