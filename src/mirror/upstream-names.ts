/**
 * The extensions an upstream mirror publishes, by bare name (`openssl-1.1.1`), read from its
 * index files (md5.db and info.lst, .gz or plain, as `--upstream` caches them or
 * `--upstream-index` names them): what a recipe's `depends:` may name without a recipe here.
 */
import { readUpstreamIndexes } from './write-indexes.js';

export async function upstreamExtensionNames(paths: readonly string[]): Promise<Set<string>> {
  const tables = await readUpstreamIndexes(paths);
  const names = new Set<string>();
  for (const file of [...tables.md5.keys(), ...tables.info]) if (file.endsWith('.tcz')) names.add(file.slice(0, -'.tcz'.length));
  return names;
}
