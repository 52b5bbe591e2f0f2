/**
 * I/O adapter that drives the kernel's own build to compile out-of-tree copies of in-tree
 * modules: unpack the source if it is a tarball, write the base config plus the `=m` lines
 * into a separate object directory (O=, so the source tree stays clean and shareable), then
 * `make olddefconfig`, `make modules_prepare` and `make M=<dir> modules` for only the needed
 * directories. Every program runs through runTool. Decisions live in module-plan.ts.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../diagnostics/errors.js';
import { runTool, type Env } from '../util/exec.js';
import { isKernelTree } from './kconfig-tree.js';
import type { ModuleToBuild } from './module-plan.js';

export interface BuildLog {
  (message: string): void;
}

/** A kernel tree directory: the given one, or the top directory a tarball unpacks to under workDir. */
export async function prepareSource(source: string, workDir: string, log: BuildLog, env: Env): Promise<string> {
  const info = await stat(source).catch((error: unknown) => fail('kconfig-source-invalid', { file: source }, `${source} does not exist`, 'pass an unpacked Linux tree or a linux-*.tar.{xz,gz}', error));
  if (info.isDirectory()) {
    if (!(await isKernelTree(source))) fail('kconfig-source-invalid', { file: source }, `${source} is not a Linux source tree (no top-level Kconfig and Makefile)`);
    return source;
  }
  const into = join(workDir, 'src');
  await mkdir(into, { recursive: true });
  log(`unpacking ${source}`);
  await runTool('tar', ['-xf', source, '-C', into], { env });
  for (const candidate of [into, ...(await readdir(into)).map((n) => join(into, n))]) {
    if (await isKernelTree(candidate)) return candidate;
  }
  fail('kconfig-source-invalid', { file: source }, `${source} does not unpack to a Linux source tree (no Kconfig and Makefile at its top)`);
}

export interface ConfigureInput {
  readonly sourceDir: string;
  readonly objDir: string;
  /** Full .config text to start from (base config with the module lines merged in). */
  readonly configText: string;
  /** The run's environment, which make runs in. */
  readonly env: Env;
}

/** Write the .config and let Kconfig resolve it; returns the resolved .config text. */
export async function olddefconfig(i: ConfigureInput): Promise<string> {
  await mkdir(i.objDir, { recursive: true });
  await writeFile(join(i.objDir, '.config'), i.configText);
  await make(i.sourceDir, i.objDir, ['olddefconfig'], i.env);
  return readFile(join(i.objDir, '.config'), 'utf8');
}

export async function kernelRelease(sourceDir: string, objDir: string, env: Env): Promise<string> {
  const { stdout } = await make(sourceDir, objDir, ['-s', 'kernelrelease'], env);
  const release = stdout.trim().split('\n').pop() ?? '';
  if (!/^[0-9][A-Za-z0-9._+-]*$/.test(release)) fail('tool-failed', undefined, `make kernelrelease printed "${release}", not a kernel release`);
  return release;
}

/** modules_prepare once, then each module directory alone; returns each built .ko's path. */
export async function compileModules(sourceDir: string, objDir: string, modules: readonly ModuleToBuild[], jobs: number, log: BuildLog, env: Env, vars: readonly string[] = []): Promise<Map<ModuleToBuild, string>> {
  log(`make modules_prepare (-j${jobs})`);
  await make(sourceDir, objDir, [`-j${jobs}`, ...vars, 'modules_prepare'], env);
  const built = new Map<ModuleToBuild, string>();
  for (const m of modules) {
    log(`make M=${m.moduleDir} modules (-j${jobs})`);
    await make(sourceDir, objDir, [`-j${jobs}`, ...vars, `M=${m.moduleDir}`, 'modules'], env);
    const ko = join(objDir, m.moduleDir, `${m.module}.ko`);
    await stat(ko).catch((error: unknown) => fail('tool-failed', undefined, `make M=${m.moduleDir} modules finished but ${ko} was not built`, `check that CONFIG_${m.symbol}=m builds ${m.module}.ko in ${m.moduleDir}`, error));
    built.set(m, ko);
  }
  return built;
}

/** Drop debug info (TinyCore ships stripped files); .modinfo and vermagic stay. */
export async function stripDebug(ko: string, outFile: string, env: Env): Promise<void> {
  await runTool('strip', ['--strip-debug', '-o', outFile, ko], { env });
}

function make(sourceDir: string, objDir: string, args: readonly string[], env: Env) {
  return runTool('make', ['-C', sourceDir, `O=${objDir}`, ...args], { env: { ...env, LC_ALL: 'C' } });
}
