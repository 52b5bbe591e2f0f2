/**
 * Kernel-module extensions: the release in the name (`NAME-<uname -r>.tcz`, what `-KERNEL`
 * becomes on the box), the directory under lib/modules/ and each module's vermagic must name
 * the same release, and that release must be the target's kernel (the release table's stock
 * kernel, or the kernels verify was told to accept, such as a stand-in box's own). depmod's
 * output is not shipped: tce-load runs `depmod -a` after linking. Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import type { Check } from '../types.js';
import { releaseOf, someOf } from './box-view.js';

const modulesDir = /^(?:usr\/local\/)?lib\/modules\/([^/]+)(?:\/|$)/;
const depmodOutput = /(?:^|\/)modules\.(?:dep|alias|symbols|softdep|devname|builtin\.alias|builtin\.bin|weakdep)(?:\.bin)?$/;

export const kernelModulesCheck: Check = {
  id: 'kernel-modules',
  description: 'kernel-module extensions name one release (file name, lib/modules dir, vermagic) and it is the target kernel',
  run: (ctx) => {
    const accepted = ctx.kernelReleases ?? (releaseOf(ctx) ? [releaseOf(ctx)!.kernel] : undefined);
    return ctx.extensions.filter((e) => !e.image.error).flatMap((e) => {
      const dirs = new Set(e.image.entries.flatMap((x) => modulesDir.exec(x.path)?.[1] ?? []));
      const vermagic = new Map<string, string>();
      for (const [path, v] of e.image.moduleVermagic ?? new Map<string, string>()) vermagic.set(path, v.split(' ')[0] ?? '');
      if (dirs.size === 0 && vermagic.size === 0) return [];
      const out: Diagnostic[] = [];
      const bare = e.name.replace(/\.tcz$/, '');
      const releases = new Set([...dirs, ...[...vermagic.values()].filter(Boolean)]);
      const named = [...releases].find((r) => bare.endsWith(`-${r}`));
      const problems: string[] = [];
      if (!named) problems.push(`the name ${e.name} does not end in -<release> (what -KERNEL.tcz becomes on the box)`);
      if (dirs.size > 1) problems.push(`lib/modules/ has ${[...dirs].join(', ')}`);
      const off = [...vermagic].filter(([, v]) => !v || !dirs.has(v) || (named !== undefined && v !== named));
      if (off.length) problems.push(`vermagic disagrees: ${someOf(off.map(([p, v]) => `${p} (${v || 'no vermagic'})`))}`);
      if (dirs.size === 0) problems.push('no lib/modules/<release>/ directory');
      if (problems.length) out.push(diag('kmod-release-mismatch', { file: e.file }, `${e.name}: ${problems.join('; ')}`));
      const release = named ?? [...dirs][0];
      if (accepted && release && !accepted.includes(release)) {
        out.push(diag('kmod-wrong-kernel', { file: e.file }, `${e.name} is built for ${release}, but the target box runs ${accepted.join(' or ')}: modprobe refuses modules of another release`));
      }
      const depmod = e.image.entries.filter((x) => depmodOutput.test(x.path));
      if (depmod.length) out.push(diag('kmod-depmod-shipped', { file: e.file }, `${e.name} ships depmod output: ${someOf(depmod.map((x) => x.path))}`));
      return out;
    });
  },
};
