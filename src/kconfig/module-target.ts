/**
 * Which kernel a module is built for, pure: the kernel version a .config says it came from (its
 * "# Linux/x86 6.1.192 Kernel Configuration" header), a tree's version from its Makefile, the
 * Module.symvers table, and the checks `kernel-module build` makes before and after compiling:
 * source and config versions agree, MODVERSIONS has a symvers to take CRCs from, and each built
 * .ko has the target's vermagic and only imports symbols the target exports, with their CRCs.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';

/** VERSION.PATCHLEVEL.SUBLEVEL from a config header, or undefined (fragments and defconfigs have none). */
export function configKernelVersion(configText: string): string | undefined {
  return /^# Linux\/\S+ (\d+\.\d+(?:\.\d+)?)\S* Kernel Configuration$/m.exec(configText)?.[1];
}

/** VERSION.PATCHLEVEL.SUBLEVEL of a kernel tree's top Makefile. */
export function makefileKernelVersion(makefile: string): string | undefined {
  const field = (name: string): string | undefined => new RegExp(`^${name} = ?(\\d*)\\s*$`, 'm').exec(makefile)?.[1];
  const [v, p, s] = [field('VERSION'), field('PATCHLEVEL'), field('SUBLEVEL')];
  return v && p ? `${v}.${p}.${s || '0'}` : undefined;
}

/** A config made for another kernel version is silently rewritten by olddefconfig: refuse it. */
export function versionMismatch(config: { file: string; text: string }, source: { file: string; version: string | undefined }): Diagnostic | undefined {
  const wanted = configKernelVersion(config.text);
  if (wanted === undefined || source.version === undefined || normalise(wanted) === normalise(source.version)) return undefined;
  return diag(
    'kconfig-version-mismatch',
    { file: config.file },
    `${config.file} is the config of Linux ${wanted}, but ${source.file} is Linux ${source.version}: olddefconfig would rewrite the config and the module would not load into a ${wanted} kernel`,
    `pass the source of Linux ${wanted} (TinyCore publishes its kernel source and config-${wanted}-tinycore64 in release/src/kernel/ of its mirror), or the config of the ${source.version} kernel the box runs`,
  );
}

/** The compiler a config records (CONFIG_CC_VERSION_TEXT), e.g. `gcc (Debian 12.2.0-14) 12.2.0`. */
export function configCompiler(configText: string): string | undefined {
  return /^CONFIG_CC_VERSION_TEXT="(.*)"$/m.exec(configText)?.[1];
}

/**
 * A module built by another compiler than the kernel's: the kernel may refuse it (struct layout
 * plugins, RANDSTRUCT seeds) or it may misbehave, so it is reported, not hidden. `hostCompiler`
 * is the first line of `gcc --version`.
 */
export function compilerMismatch(configText: string, hostCompiler: string | undefined): string | undefined {
  const recorded = configCompiler(configText);
  if (recorded === undefined || hostCompiler === undefined || recorded.trim() === hostCompiler.trim()) return undefined;
  return `the kernel was built with "${recorded}" but this build uses "${hostCompiler.trim()}": the module may not load or may misbehave; build with the kernel's compiler where you can`;
}

/** A kernel tree of another version than the config: its Kconfig symbols and depends lines are not this kernel's. */
export function treeVersionMismatch(configText: string, configFile: string, treeVersion: string | undefined, treeDir: string): Diagnostic | undefined {
  const wanted = configKernelVersion(configText);
  if (wanted === undefined || treeVersion === undefined || normalise(wanted) === normalise(treeVersion)) return undefined;
  return diag(
    'kconfig-tree-version',
    { file: configFile },
    `${configFile} is the config of Linux ${wanted}, but --kernel-tree ${treeDir} is Linux ${treeVersion}: unknown symbols and depends lines are judged by the ${treeVersion} tree`,
    `pass the source tree of Linux ${wanted} as --kernel-tree`,
  );
}

function normalise(v: string): string {
  return v.split('.').length === 2 ? `${v}.0` : v;
}

/** symbol → CRC from a Module.symvers ("0xCRC<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]"). */
export function parseSymvers(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [crc, symbol] = line.split('\t');
    if (crc && symbol && /^0x[0-9a-f]+$/i.test(crc)) table.set(symbol, crc.toLowerCase());
  }
  return table;
}

/** `modprobe --dump-modversions` output: symbol → CRC. */
export function parseModversions(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(0x[0-9a-f]+)\s+(\S+)$/i.exec(line.trim());
    if (m) table.set(m[2]!, normaliseCrc(m[1]!));
  }
  return table;
}

function normaliseCrc(crc: string): string {
  return `0x${crc.slice(2).toLowerCase().padStart(8, '0')}`;
}

export interface BuiltModuleFacts {
  readonly ko: string;
  readonly vermagic: string;
  /** Symbols `nm -u` lists. */
  readonly undefinedSymbols: readonly string[];
  /** The __versions section: symbol → CRC. */
  readonly versions: ReadonlyMap<string, string>;
}

export interface TargetKernel {
  readonly release: string;
  readonly modversions: boolean;
  /** The target's Module.symvers plus what the modules built alongside export; undefined: not known. */
  readonly symvers?: ReadonlyMap<string, string>;
  readonly symversFile?: string;
}

/** What the kernel checks at insmod time (vermagic, CRCs) and modpost at link time (unresolved symbols). */
export function checkBuiltModule(m: BuiltModuleFacts, t: TargetKernel): Diagnostic[] {
  const out: Diagnostic[] = [];
  const words = m.vermagic.trim().split(/\s+/);
  if (words[0] !== t.release || words.includes('modversions') !== t.modversions) {
    out.push(diag('kconfig-module-vermagic', { file: m.ko }, `vermagic "${m.vermagic.trim()}" does not match the target kernel ${t.release}${t.modversions ? ' with modversions' : ''}: the kernel refuses to load it`));
  }
  if (t.symvers === undefined) return out;
  const unresolved = m.undefinedSymbols.filter((s) => !t.symvers!.has(s));
  if (unresolved.length > 0) {
    out.push(diag('kconfig-module-unresolved', { file: m.ko }, `${unresolved.length} undefined symbol(s) not exported by the target kernel (${t.symversFile ?? 'Module.symvers'}): ${unresolved.slice(0, 8).join(', ')}${unresolved.length > 8 ? ', …' : ''}`));
  }
  if (!t.modversions) return out;
  const unversioned = m.undefinedSymbols.filter((s) => t.symvers!.has(s) && m.versions.get(s) !== normaliseCrc(t.symvers!.get(s)!));
  if (unversioned.length > 0) {
    out.push(diag('kconfig-module-unversioned', { file: m.ko }, `${unversioned.length} imported symbol(s) lack the target's CRC in __versions: ${unversioned.slice(0, 8).join(', ')}${unversioned.length > 8 ? ', …' : ''}`));
  }
  return out;
}
