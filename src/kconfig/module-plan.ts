/**
 * Decide which modules `kernel-module build` compiles: every requested symbol whose table entry
 * names a module directory and that the base kernel config lacks (a base that already has it
 * =y or =m needs nothing). Also the small fragment of `=m` lines applied onto the base config:
 * only module symbols, never built-in options, so the modules stay compatible with the kernel
 * that base config built. Pure.
 */
import type { ConfigEntry } from './config-text.js';
import { isEnabled } from './config-text.js';
import type { Requirement } from './check.js';
import type { SymbolTable } from './symbol-table.js';

export interface ModuleToBuild {
  readonly symbol: string;
  readonly module: string;
  /** Directory in the kernel tree, built with M=. */
  readonly moduleDir: string;
  /** Extension name without the kernel release: the module directory's last component (fs/overlayfs → overlayfs). */
  readonly extension: string;
}

export interface ModulePlan {
  readonly build: readonly ModuleToBuild[];
  /** Buildable symbols the base already has, with their value (for "nothing to build"). */
  readonly present: readonly { readonly symbol: string; readonly value: string; readonly module: string }[];
}

export function planModules(requirements: readonly Requirement[], table: SymbolTable, base: ReadonlyMap<string, ConfigEntry>): ModulePlan {
  const build: ModuleToBuild[] = [];
  const present: { symbol: string; value: string; module: string }[] = [];
  for (const req of requirements) {
    const info = table.get(req.symbol);
    if (!info?.module || !info.moduleDir || (req.value !== 'm' && req.value !== 'y')) continue;
    const value = base.get(req.symbol)?.value;
    if (isEnabled(value)) present.push({ symbol: req.symbol, value: value!, module: info.module });
    else build.push({ symbol: req.symbol, module: info.module, moduleDir: info.moduleDir, extension: info.moduleDir.split('/').pop()! });
  }
  return { build, present };
}

/** The `=m` lines merged onto the base config before `make olddefconfig`. */
export function moduleFragmentText(build: readonly ModuleToBuild[]): string {
  return build.map((m) => `CONFIG_${m.symbol}=m\n`).join('');
}

export function nothingToBuildMessage(plan: ModulePlan): string {
  if (plan.present.length === 0) return 'nothing to build: no requested symbol names a module directory (module-dir in symbols.yaml)';
  const have = plan.present.map((p) => `CONFIG_${p.symbol}=${p.value} (${p.module})`).join(', ');
  return `nothing to build: the base config already has ${have}`;
}

/** Where a module lives inside its extension: TinyCore runs depmod for trees with a modules directory. */
export function moduleImagePath(kernelRelease: string, m: ModuleToBuild): string {
  return `usr/local/lib/modules/${kernelRelease}/kernel/${m.moduleDir}/${m.module}.ko`;
}
