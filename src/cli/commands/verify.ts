/**
 * `tczbuild verify [DIR]`: run TinyCore's extension QC and ours over every tcz directory of a
 * mirror and report each finding with its id, file and fix; exit 1 when any is an error.
 * The checks live in src/mirror/verify; this class only finds directories and reports.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { Option } from 'clipanion';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { fail } from '../../diagnostics/errors.js';
import { ExitCode } from '../exit-codes.js';
import { ProjectCommand, type SharedFlag } from '../project-command.js';
import { targetName } from '../../config/settings.js';

export class VerifyCommand extends ProjectCommand {
  static override paths = [['verify']];
  static override usage = ProjectCommand.Usage({
    description: 'check a mirror the way TinyCore submitqc and tce-load would',
    details: [
      'Checks, each finding with an id, the file and the fix: .md5.txt present, md5sum-formatted and matching; .dep LF-only, no # lines, NAME.tcz names,',
      'each resolving in the mirror, in its merged upstream md5.db, or as a published NAME-<kver>.tcz for NAME-KERNEL.tcz (a name upstream publishes -- iptables,',
      'original-modules-KERNEL, netfilter-KERNEL, zstd, plus --allow-upstream -- is a warning while the indexes lack it: tce-update needs it there); no dependency cycles; no redundant deps;',
      '.list equal to the image; .info with the twelve fields in order, Title = NAME.tcz, Size right; the .gz indexes present and in step with the files;',
      'inside each image (unsquashfs -lln): a TinyCore base directory (opt/, tmp/, usr/local/tce.installed...) with its live owner and mode, else root:root',
      'everywhere except usr/local/tce.installed and its single hook NAME (root:staff 0775), directories 0755, nothing world-writable, no setuid/setgid',
      'unless a recipe files: entry or --allow-setuid allows it, no runtime-written path (recipe runtime-paths and etc/resolv.conf, etc/hosts, etc/passwd…),',
      'top-level entries only bin/ etc/ lib/ opt/ sbin/ usr/ var/ (no dot files), ELF e_machine matching the arch, each ELF\'s program interpreter present on the box (base loader, the extension and its deps, box_link lines of its hook), block size 4096, no appended data;',
      'gzip compression; install hooks with a #! line, no CR, clean under `busybox ash -n`; bin/ and sbin/ commands 0755-like; no file others cannot read unless the recipe sets that mode;',
      'symlinks leading somewhere on the box (the extension, its .dep closure in the mirror, the base system); against the target release (docs/tinycore-releases.md): no GLIBC_x.y newer than its glibc,',
      'every NEEDED library in the extension, its dependencies or the base system, kernel modules named, placed and vermagic-stamped for its kernel (or --kernel-release), no depmod output;',
      'warnings for empty images, a missing usr/local/share/doc/NAME/ notice, unstripped ELF files and a shipped opt/. --repro rebuilds from the recipes and compares bytes. Exit code 1 on any error.',
    ].join(' '),
    examples: [['Verify out/', 'tczbuild verify'], ['Machine-readable', 'tczbuild verify out --json']],
  });

  dir = Option.String({ required: false });
  allowUpstream = Option.Array('--allow-upstream', { description: 'a known upstream extension a .dep may name (repeatable; e.g. libseccomp or netfilter-KERNEL)' });
  allowSetuid = Option.Array('--allow-setuid', { description: 'glob of image paths allowed to be setuid/setgid (repeatable)' });
  kernelRelease = Option.Array('--kernel-release', { description: 'a kernel release (uname -r) kernel-module extensions may be built for instead of the target\'s stock kernel, e.g. a stand-in box\'s (repeatable)' });
  repro = Option.Boolean('--repro', false, { description: 'also rebuild every extension that has a recipe in a temp dir and compare bytes' });
  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'for --repro: URL or directory tried before upstream for every source (repeatable)' });
  offline = Option.Boolean('--offline', false, { description: 'for --repro: use only cached sources' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { findTczDirs, isDirectory } = await import('../../mirror/scan.js');
      const { verifyMirror } = await import('../../mirror/verify/run.js');
      // DIR, else --out, else out: in tczbuild.yaml, else out
      const dir = this.dir === undefined ? this.outDir() : resolve(this.context.cwd, this.dir);
      const given = this.dir ?? (relative(this.context.cwd, dir) || '.');
      if (!(await isDirectory(dir))) fail('mirror-root-missing', { file: given }, `${given} is not a directory`);
      const tczDirs = this.ofTargets(await findTczDirs(dir));
      if (tczDirs.length === 0) fail('mirror-no-tcz-dir', { file: given }, `no <major>.x/<arch>/tcz directory with extensions under ${given}${this.narrowed() ? ` for ${this.targets().map(targetName).join(', ')}` : ''}`);
      const recipesDir = (await isDirectory(this.recipesDir())) ? this.recipesDir() : this.recipes === undefined ? undefined : fail('mirror-no-recipes', { file: this.recipes }, `${this.recipes} is not a directory`);
      let errors = 0;
      let warnings = 0;
      let extensions = 0;
      for (const tczDir of tczDirs) {
        const report = await verifyMirror(tczDir, { recipesDir, allowUpstream: this.allowUpstream, allowSetuid: this.allowSetuid, displayBase: this.context.cwd, env: this.context.env, ...(this.kernelRelease?.length ? { kernelReleases: this.kernelRelease } : {}) });
        const findings = [...report.diagnostics, ...(this.repro ? await this.reproduce(tczDir, recipesDir) : [])];
        for (const d of findings) this.reporter().emit({ type: 'diagnostic', diagnostic: d });
        errors += findings.filter((d) => d.severity === 'error').length;
        warnings += findings.filter((d) => d.severity === 'warning').length;
        extensions += report.extensions.length;
      }
      this.reporter().emit({ type: 'info', message: `verified ${extensions} extension(s) in ${tczDirs.length} director${tczDirs.length === 1 ? 'y' : 'ies'}: ${errors} error(s), ${warnings} warning(s)` });
      this.reporter().emit({ type: 'result', command: 'verify', extensions, errors, warnings, ok: errors === 0 });
      return errors > 0 ? ExitCode.failed : ExitCode.ok;
    });
  }

  /** Whether targets were asked for (flags or targets: in tczbuild.yaml); else every directory found is verified. */
  private narrowed(): boolean {
    return this.settings().targets.origin !== 'default';
  }

  /** The tcz directories of the targets asked for, or all of them. */
  private ofTargets(tczDirs: readonly string[]): string[] {
    if (!this.narrowed()) return [...tczDirs];
    const wanted = new Set(this.targets().map((t) => `${sep}${t.tcVersion}.x${sep}${t.arch}${sep}tcz`));
    return tczDirs.filter((d) => [...wanted].some((w) => d.endsWith(w)));
  }

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return { upstream: 'it checks .dep names against the merged upstream md5.db already in the mirror; run `tczbuild index --upstream URL` to merge one' };
  }

  private async reproduce(tczDir: string, recipesDir: string | undefined): Promise<Diagnostic[]> {
    if (!recipesDir) fail('mirror-no-recipes', undefined, '--repro needs the recipes the mirror was built from', 'pass --recipes DIR, set recipes: in tczbuild.yaml, or run from the project directory');
    const env = this.context.env;
    const { reproduce } = await import('../../mirror/verify/repro.js');
    const { defaultPlugins } = await import('../../plugins.js');
    return reproduce(tczDir, {
      recipesDir,
      plugins: defaultPlugins({ projectDir: dirname(recipesDir) }),
      overlaysDir: this.overlaysDir(),
      cacheDir: this.cacheDir(),
      mirrors: this.sourceMirrorList(),
      registryMirrors: this.registryMirrorMap(),
      env,
      network: this.network(),
      offline: this.offline,
      displayBase: this.context.cwd,
      reporter: this.reporter(),
    });
  }
}
