/**
 * I/O adapter for kernel-config inputs: fragment files, the symbol table, and a kernel config
 * to check (plain `.config`, `config.gz`, `/proc/config.gz` or a Debian `config.*.xz`,
 * recognised by their magic bytes, not the name). Reads only; merging and checking are pure modules.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { fail } from '../diagnostics/errors.js';
import { runTool, type Env } from '../util/exec.js';
import type { Position } from '../diagnostics/diagnostic.js';
import type { Fragment } from './merge.js';
import { validateSymbolTable, type TableResult } from './symbol-table.js';

/** The kernel-config/ shipped with tczbuild (src/kconfig and dist/kconfig are both two levels down). */
export const bundledKernelConfigDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kernel-config');

/** `kernel-config/` under the project if it exists, else the one tczbuild ships. */
export function defaultKernelConfigDir(cwd: string): string {
  const local = join(cwd, 'kernel-config');
  return existsSync(local) ? local : bundledKernelConfigDir;
}

export function fragmentPath(dir: string, name: string): string {
  return join(dir, name.endsWith('.cfg') ? name : `${name}.cfg`);
}

/** Read named fragments; a missing one becomes a diagnostic at `at(name)`, the rest still load. */
export async function readFragments(
  dir: string,
  names: readonly string[],
  at: (name: string) => Position = (name) => ({ file: fragmentPath(dir, name) }),
  displayBase?: string,
): Promise<{ fragments: Fragment[]; diagnostics: Diagnostic[] }> {
  const fragments: Fragment[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const file = fragmentPath(dir, name);
    try {
      fragments.push({ name: name.replace(/\.cfg$/, ''), file: displayPath(file, displayBase), text: await readFile(file, 'utf8') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      diagnostics.push(diag('kconfig-fragment-missing', at(name), `fragment ${name} not found: ${file} does not exist`));
    }
  }
  return { fragments, diagnostics };
}

/** A path as diagnostics show it: relative to displayBase when it lies below it. */
export function displayPath(file: string, displayBase: string | undefined): string {
  if (displayBase === undefined) return file;
  const rel = relative(displayBase, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Every fragment name in the directory, sorted (what `check` uses without --recipes). */
export async function listFragments(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: unknown) => fail('kconfig-fragment-missing', { file: dir }, `kernel-config directory ${dir} does not exist`, 'pass --kernel-config DIR', error));
  return names.filter((n) => n.endsWith('.cfg')).sort().map((n) => n.slice(0, -4));
}

export async function loadSymbolTable(dir: string): Promise<TableResult> {
  const file = join(dir, 'symbols.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    // A project may ship fragments without annotations: checks still run, every symbol "recommended".
    return { table: new Map(), diagnostics: [] };
  }
  try {
    return validateSymbolTable(parseYaml(text), file);
  } catch (error) {
    return { table: new Map(), diagnostics: [diag('kconfig-symbols-invalid', { file }, `not valid YAML: ${(error as Error).message.split('\n')[0]}`)] };
  }
}

/** Read a kernel config, gunzipping when the file starts with the gzip magic. */
export async function readKernelConfig(path: string, env: Env): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const proc = path === '/proc/config.gz';
    fail(
      'kconfig-config-unreadable',
      { file: path },
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}${proc ? ' (the running kernel was built without CONFIG_IKCONFIG_PROC, as TinyCore 11 is, or has IKCONFIG=m and its configs module is not loaded: try `modprobe configs`)' : ''}`,
      `pass a .config, a config.gz or /proc/config.gz. ${tinyCoreConfigs}`,
      error,
    );
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch (error) {
      fail('kconfig-config-unreadable', { file: path }, `${path} looks gzip-compressed but does not decompress`, undefined, error);
    }
  }
  if (bytes.subarray(0, 6).equals(xzMagic)) {
    const { stdout } = await runTool('xz', ['-dc', path], { env });
    return stdout;
  }
  if (bytes.includes(0)) fail('kconfig-config-unreadable', { file: path }, `${path} is binary, not a kernel config`, 'pass a .config, a config.gz or /proc/config.gz');
  return bytes.toString('utf8');
}

/** Where TinyCore publishes the config of each release's kernel (the box may have no /proc/config.gz). */
export const tinyCoreConfigs =
  "TinyCore publishes each release's kernel config beside its source: MIRROR/<major>.x/<arch>/release/src/kernel/config-<kver>-tinycore64 (or -tinycore for x86), e.g. http://tinycorelinux.net/11.x/x86_64/release/src/kernel/config-5.4.3-tinycore64 for TinyCore 11 (uname -r on the box gives <kver>)";

const xzMagic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
