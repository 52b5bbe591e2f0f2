/**
 * Find and read the project config: tczbuild.yaml in the working directory or the nearest
 * parent (or the file --config names). The parsed result is memoised by content hash under the
 * user cache, so the no-op build path stays free of the YAML and schema libraries, which load
 * only when the file changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { diag } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import { defaultCacheDir } from '../util/cache-dir.js';
import { readInputFile } from '../util/read-input.js';
import { toolVersion } from '../util/version.js';
import type { ParsedConfig } from './parse.js';

export const configFileName = 'tczbuild.yaml';

/** Bump when ParsedConfig's shape changes, so memos of older parses are not reused. */
const memoFormat = 1;

export interface LoadedConfig extends ParsedConfig {
  /** Absolute path of the file. */
  readonly file: string;
}

/** tczbuild.yaml in `cwd` or the nearest parent directory, if any. */
export function findConfigFile(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, configFileName);
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

export async function loadConfig(o: { cwd: string; env: NodeJS.ProcessEnv; explicit?: string; displayBase?: string }): Promise<LoadedConfig | undefined> {
  const file = o.explicit ? resolve(o.cwd, o.explicit) : findConfigFile(o.cwd);
  if (!file) return undefined;
  let text: string;
  try {
    // a FIFO, a directory or /dev/zero named by --config is refused, not waited on or read forever
    text = await readInputFile(file);
  } catch (error) {
    throw new TczError([diag('config-invalid', { file }, `cannot read the config: ${(error as Error).message}`, 'pass --config FILE naming a readable tczbuild.yaml')], { cause: error });
  }
  const memo = join(defaultCacheDir(o.env), 'config', `${createHash('sha256').update(`${memoFormat}\0${toolVersion}\0${file}\0${text}`).digest('hex').slice(0, 32)}.json`);
  const saved = await readMemo(memo);
  if (saved) return { ...saved, file };
  const { parseConfig } = await import('./parse.js');
  const shown = o.displayBase && file.startsWith(`${resolve(o.displayBase)}/`) ? file.slice(resolve(o.displayBase).length + 1) : file;
  const parsed = parseConfig(text, shown);
  if (!parsed.ok) throw new TczError(parsed.diagnostics);
  await writeMemo(memo, parsed.value);
  return { ...parsed.value, file };
}

async function readMemo(path: string): Promise<ParsedConfig | undefined> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ParsedConfig;
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only cache only costs the next run the parse. */
async function writeMemo(path: string, value: ParsedConfig): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  } catch {
    // ignored on purpose
  }
}
