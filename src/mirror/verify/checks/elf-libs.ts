/**
 * ELF checks against the target release (src/tinycore/releases.ts): no binary needs a
 * `GLIBC_x.y` newer than the release's glibc (the loader refuses to start it), every NEEDED
 * library is found in the extension, its `.dep` closure or the base system, and binaries are
 * stripped (TinyCore's QC asks for it). A release whose glibc is unknown is said so, not
 * passed silently. Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import { compareGlibc } from '../../../tinycore/releases.js';
import type { ElfDynamicInfo } from '../elf-dynamic.js';
import type { Check, VerifyContext } from '../types.js';
import { boxView, releaseOf, someOf } from './box-view.js';

export interface GlibcNeed {
  readonly path: string;
  readonly version: string;
  readonly symbol: string;
}

/** The highest GLIBC_x.y each ELF needs, with a symbol bound to it. */
export function glibcNeeds(elves: ReadonlyMap<string, ElfDynamicInfo>): GlibcNeed[] {
  const out: GlibcNeed[] = [];
  for (const [path, info] of elves) {
    let best: GlibcNeed | undefined;
    for (const need of info.versionNeeds)
      for (const [name, symbol] of need.versions) {
        const m = /^GLIBC_(\d+\.\d+(?:\.\d+)?)$/.exec(name);
        if (m && (!best || compareGlibc(m[1]!, best.version) > 0)) best = { path, version: m[1]!, symbol };
      }
    if (best) out.push(best);
  }
  return out;
}

/** The glibc an image is judged against: an explicit floor (a stand-in box), else the release table's. */
export function glibcFloor(ctx: VerifyContext): string | 'unknown' | undefined {
  if (ctx.glibc) return ctx.glibc;
  if (!ctx.tcVersion || !ctx.arch) return undefined;
  return releaseOf(ctx)?.glibc ?? 'unknown';
}

export function describeNeed(n: GlibcNeed): string {
  return `${n.path} needs GLIBC_${n.version}${n.symbol ? ` (${n.symbol})` : ''}`;
}

export const glibcFloorCheck: Check = {
  id: 'glibc-floor',
  description: "no ELF needs a GLIBC_x.y newer than the target release's glibc",
  run: (ctx) => {
    const floor = glibcFloor(ctx);
    if (floor === undefined) return [];
    return ctx.extensions.flatMap((e) => {
      const needs = glibcNeeds(e.image.elfDynamic ?? new Map());
      if (floor === 'unknown') {
        return needs.length ? [diag('elf-glibc-unknown', { file: e.file }, `the glibc of TinyCore ${ctx.tcVersion}.x ${ctx.arch} is not known, so these cannot be judged: ${someOf(needs.map(describeNeed))}`)] : [];
      }
      const over = needs.filter((n) => compareGlibc(n.version, floor) > 0);
      return over.length ? [diag('elf-glibc-floor', { file: e.file }, `${someOf(over.map(describeNeed))}, newer than the glibc ${floor} of TinyCore ${ctx.tcVersion ?? ''}${ctx.tcVersion ? '.x ' : ''}${ctx.arch ?? ''}: the loader refuses to start ${over.length === 1 ? 'it' : 'them'}`)] : [];
    });
  },
};

export const neededLibsCheck: Check = {
  id: 'needed-libs',
  description: 'every NEEDED library is in the extension, its .dep closure or the base system',
  run: (ctx) => {
    const release = releaseOf(ctx);
    if (!release) return [];
    return ctx.extensions.flatMap((e) => {
      const elves = e.image.elfDynamic ?? new Map<string, ElfDynamicInfo>();
      if (![...elves.values()].some((i) => i.needed.length)) return [];
      const view = boxView(ctx, e);
      const missing = new Map<string, string[]>();
      const uncertain = new Map<string, string[]>();
      for (const [path, info] of elves)
        for (const lib of info.needed) {
          if (release.baseLibs.includes(lib) || view.libNames.has(lib)) continue;
          const into = release.uncertainLibs.includes(lib) || view.absentDeps.length ? uncertain : missing;
          into.set(lib, [...(into.get(lib) ?? []), path]);
        }
      const out: Diagnostic[] = [];
      const say = (m: Map<string, string[]>): string => someOf([...m].map(([lib, paths]) => `${lib} (needed by ${someOf(paths, 2)})`));
      if (missing.size) out.push(diag('elf-needed-missing', { file: e.file }, `libraries neither ${e.name}, its dependencies nor TinyCore ${release.major}.x's base system has: ${say(missing)}`));
      if (uncertain.size) out.push(diag('elf-needed-uncertain', { file: e.file }, `libraries this mirror cannot show on the box: ${say(uncertain)}${view.absentDeps.length ? `; they may come from ${someOf(view.absentDeps)}, which this mirror does not hold` : ''}`));
      return out;
    });
  },
};

export const unstrippedCheck: Check = {
  id: 'unstripped',
  description: 'ELF files are stripped (TinyCore QC)',
  run: (ctx) =>
    ctx.extensions.flatMap((e) => {
      // kernel modules keep .symtab on purpose: the kernel's module loader needs it
      const fat = [...(e.image.elfDynamic ?? new Map<string, ElfDynamicInfo>())].filter(([p, i]) => i.unstripped && !/\.ko$/.test(p)).map(([p]) => p);
      return fat.length ? [diag('elf-unstripped', { file: e.file }, `not stripped: ${someOf(fat)}`)] : [];
    }),
};
