/**
 * I/O adapter for the target kernel of `kernel-module build`: read a Module.symvers (plain or
 * gzip), a prepared headers directory (its .config, Module.symvers and UTS_RELEASE), compile a
 * module directory against such headers (`make -C HEADERS M=DIR CONFIG_X=m modules`), and read
 * back a built .ko's vermagic, undefined symbols and __versions with kmod and binutils.
 * The checks themselves are pure (module-target.ts).
 */
import { cp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fail } from '../diagnostics/errors.js';
import { runTool, type Env } from '../util/exec.js';
import type { BuildLog } from './module-build.js';
import type { ModuleToBuild } from './module-plan.js';
import { parseModversions, parseSymvers, type BuiltModuleFacts } from './module-target.js';

/** A Module.symvers as text, gunzipped when it is a .gz. */
async function symversText(file: string): Promise<string> {
  const bytes = await readFile(file).catch((error: unknown) => fail('kconfig-symvers-missing', { file }, `${file} cannot be read`, undefined, error));
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** A Module.symvers read once: its text (for modpost) and its table (for the checks). */
export interface Symvers {
  readonly text: string;
  readonly table: Map<string, string>;
}

/** Put the target's Module.symvers where modpost reads it for M= builds (the object tree's top). */
export async function placeSymvers(symvers: Symvers, objDir: string): Promise<void> {
  await writeFile(join(objDir, 'Module.symvers'), symvers.text);
}

/**
 * Read the file once: modpost and the undefined-symbol check must see the same table, and a
 * `--symvers <(zcat …)` pipe can be read only once (a second read found it empty).
 */
export async function readSymvers(file: string): Promise<Symvers> {
  const text = await symversText(file);
  const table = parseSymvers(text);
  if (table.size === 0) fail('kconfig-symvers-missing', { file }, `${file} lists no exported symbols: not a Module.symvers`);
  return { text, table };
}

export interface HeadersDir {
  readonly dir: string;
  readonly configFile: string;
  readonly symversFile: string;
  readonly release: string;
}

/** A kernel headers tree as Debian's linux-headers-* installs it (or a built kernel's O= directory). */
export async function readHeadersDir(dir: string): Promise<HeadersDir> {
  const configFile = join(dir, '.config');
  const symversFile = join(dir, 'Module.symvers');
  const uts = join(dir, 'include/generated/utsrelease.h');
  for (const f of [configFile, symversFile, uts]) {
    await stat(f).catch((error: unknown) => fail('kconfig-headers-invalid', { file: dir }, `${dir} has no ${f.slice(dir.length + 1)}`, undefined, error));
  }
  const release = /UTS_RELEASE\s+"([^"]+)"/.exec(await readFile(uts, 'utf8'))?.[1];
  if (!release) fail('kconfig-headers-invalid', { file: uts }, `${uts} does not define UTS_RELEASE`);
  return { dir, configFile, symversFile, release };
}

/** Copy each module directory out of the source tree and build it against the headers; returns each .ko. */
export async function compileAgainstHeaders(sourceDir: string, headers: HeadersDir, workDir: string, modules: readonly ModuleToBuild[], jobs: number, log: BuildLog, env: Env): Promise<Map<ModuleToBuild, string>> {
  const built = new Map<ModuleToBuild, string>();
  for (const m of modules) {
    const dir = join(workDir, 'ext', m.moduleDir);
    await cp(join(sourceDir, m.moduleDir), dir, { recursive: true });
    log(`make -C ${headers.dir} M=${m.moduleDir} CONFIG_${m.symbol}=m modules (-j${jobs})`);
    await runTool('make', ['-C', headers.dir, `M=${dir}`, `CONFIG_${m.symbol}=m`, `-j${jobs}`, 'modules'], { env: { ...env, LC_ALL: 'C' } });
    const ko = join(dir, `${m.module}.ko`);
    await stat(ko).catch((error: unknown) => fail('tool-failed', undefined, `make M=${m.moduleDir} modules finished but ${ko} was not built`, undefined, error));
    built.set(m, ko);
  }
  return built;
}

/** Symbols a module directory's own build exports (its Module.symvers), for modules that import from each other. */
export async function builtExports(ko: string): Promise<Map<string, string>> {
  const file = join(ko, '..', 'Module.symvers');
  return parseSymvers(await readFile(file, 'utf8').catch(() => ''));
}

/** `modversions`: read __versions too (a kernel without CONFIG_MODVERSIONS builds modules without one). */
export async function inspectModule(ko: string, modversions: boolean, env: Env): Promise<BuiltModuleFacts> {
  const vermagic = (await runTool('modinfo', ['-F', 'vermagic', ko], { env })).stdout;
  const undefinedSymbols = (await runTool('nm', ['-u', '--format=posix', ko], { env })).stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((s) => s !== '');
  const versions = modversions ? parseModversions((await runTool('modprobe', ['--dump-modversions', ko], { env })).stdout) : new Map<string, string>();
  return { ko, vermagic, undefinedSymbols, versions };
}
