/**
 * resolveCoreScripts(): TinyCore's Core-scripts as a verified input, the way the stand-in box
 * builder (scripts/make-standin-box.sh) takes them. From a local checkout when one is handed in
 * (TCZBUILD_CORE_SCRIPTS or --dir), else from the download cache, else by downloading the
 * pinned archive through the source fetch layer (--source-mirror, --offline, proxies and
 * --ca-file apply). Whatever the origin, the tree written to `into` is hashed
 * (util/tree-hash.ts) and must match the pin (tinycore/core-scripts.ts), or nothing is left.
 *
 * The archive's sha256 cannot be pinned (the host makes it; only the tree is fixed), so the
 * cache keeps it under its own sha256 and `core-scripts/<tree hash>` records which entry
 * unpacked to the pinned tree: an --offline run finds it there, re-hashes and re-verifies it.
 */
import { chmod, cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchUnpinned } from '../builder/fetch/fetch-sources.js';
import type { Attempt } from '../builder/fetch/messages.js';
import { isSha256Hex, type SourceCache } from '../builder/fetch/source-cache.js';
import { extractArchive } from '../builder/extract.js';
import { FileTable } from '../builder/file-table.js';
import { newBudget } from '../builder/unpack-budget.js';
import { diag } from '../diagnostics/diagnostic.js';
import { fail, TczError } from '../diagnostics/errors.js';
import type { SourceSpec } from '../recipe/model.js';
import type { Reporter } from '../report/reporter.js';
import { coreScripts, coreScriptsEnv } from '../tinycore/core-scripts.js';
import { treeSha256 } from '../util/tree-hash.js';
import type { NetworkSettings } from '../util/network-settings.js';

interface CoreScriptsPin {
  readonly repository: string;
  readonly commit: string;
  readonly url: string;
  readonly treeSha256: string;
}

export interface CoreScriptsOptions {
  /** A new or empty directory the verified tree is written into. */
  readonly into: string;
  /** A local checkout to use instead of the download, and what named it (for messages). */
  readonly override?: { readonly dir: string; readonly from: string };
  readonly cache: SourceCache;
  readonly mirrors?: readonly string[];
  readonly offline?: boolean;
  readonly reporter?: Reporter;
  /** The run's environment: netrc for the download, PATH for the unpacking tools. */
  readonly env: NodeJS.ProcessEnv;
  /** The run's proxies and private CA, for the download. */
  readonly network: NetworkSettings;
}

export type CoreScriptsOrigin = 'override' | 'cache' | 'download';

/** Core-scripts of the pinned commit, written to `into` and verified; says where they came from. */
export async function resolveCoreScripts(o: CoreScriptsOptions): Promise<CoreScriptsOrigin> {
  const existed = await prepareInto(o.into);
  try {
    return await resolveInto(o, coreScripts);
  } catch (error) {
    // Nothing half-written: `into` is left as it was found (empty, or absent).
    if (existed) for (const name of await readdir(o.into).catch(() => [])) await rm(join(o.into, name), { recursive: true, force: true });
    else await rm(o.into, { recursive: true, force: true });
    throw error;
  }
}

async function resolveInto(o: CoreScriptsOptions, pin: CoreScriptsPin): Promise<CoreScriptsOrigin> {
  if (o.override) {
    await copyCheckout(o.override.dir, o.into, o.override.from, pin);
    await verify(o.into, pin, `the checkout at ${o.override.dir} (${o.override.from})`, `point ${o.override.from} at a checkout of ${pin.repository} at commit ${pin.commit} (git checkout ${pin.commit}), with no changes`);
    return 'override';
  }
  const index = join(o.cache.dir, 'core-scripts', pin.treeSha256);
  const known = await readFile(index, 'utf8').then((s) => s.trim(), () => undefined);
  const cached = known && isSha256Hex(known) ? await o.cache.get(known) : undefined;
  if (cached) {
    await unpack(cached, o.into, pin, o.env);
    await verify(o.into, pin, `the cached archive ${cached}`, `delete ${index} and run again to download ${pin.url} anew`);
    return 'cache';
  }
  const got = await fetchUnpinned(pin.url, { cache: o.cache, mirrors: o.mirrors ?? [], offline: o.offline ?? false, ...(o.reporter ? { reporter: o.reporter } : {}), network: o.network });
  if ('attempts' in got) throw new TczError([unavailable(pin, got.attempts, o.offline ?? false)]);
  await unpack(got.path, o.into, pin, o.env);
  await verify(o.into, pin, `the archive downloaded from ${pin.url} (sha256 ${got.sha256})`, `check that ${pin.url} (or the --source-mirror that served it) is the archive of ${pin.repository} at ${pin.commit}; or hand in a checkout with ${coreScriptsEnv}=DIR`);
  await mkdir(join(o.cache.dir, 'core-scripts'), { recursive: true });
  await writeFile(`${index}.${process.pid}.tmp`, `${got.sha256}\n`);
  await rename(`${index}.${process.pid}.tmp`, index);
  return 'download';
}

/** Whether `into` already existed (empty); a non-empty one is refused before anything is written. */
async function prepareInto(into: string): Promise<boolean> {
  const names = await readdir(into).catch(() => undefined);
  if (names && names.length > 0) fail('core-scripts-into-not-empty', undefined, `${into} is not empty: Core-scripts are written into a new or empty directory`, 'pass a new directory');
  await mkdir(into, { recursive: true });
  return names !== undefined;
}

/** Copy a checkout without its .git; modes become 0755/0644 by the owner's execute bit, as git keeps them. */
async function copyCheckout(dir: string, into: string, from: string, pin: CoreScriptsPin): Promise<void> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) =>
    fail('core-scripts-unavailable', undefined, `${from}=${dir}: cannot read it (${error.code ?? error.message})`, `point ${from} at a checkout of ${pin.repository} at commit ${pin.commit}`, error),
  );
  for (const name of entries) {
    if (name === '.git') continue;
    await cp(join(dir, name), join(into, name), { recursive: true, verbatimSymlinks: true });
  }
  await normalizeModes(into);
}

async function normalizeModes(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await normalizeModes(path);
    else if (entry.isFile()) {
      const { mode } = await stat(path);
      await chmod(path, mode & 0o100 ? 0o755 : 0o644);
    }
  }
}

/** Unpack the archive's one top directory (Core-scripts-<commit>/) into `into`, with the archive's execute bits. */
async function unpack(archive: string, into: string, pin: CoreScriptsPin, env: NodeJS.ProcessEnv): Promise<void> {
  const spec: SourceSpec = { id: 'Core-scripts', url: pin.url, sha256: null, kind: 'archive', extract: { strip: 1, into: '' }, at: {}, hashAt: {} };
  const table = new FileTable();
  await extractArchive({ archive, spec, stageDir: into, table, budgets: [newBudget(256 * 1024 ** 2, 'Core-scripts', 'a smaller archive', {})], env });
  for (const [path, entry] of table) {
    if (entry.type === 'file') await chmod(join(into, path), entry.mode);
  }
}

async function verify(into: string, pin: CoreScriptsPin, what: string, fix: string): Promise<void> {
  const got = await treeSha256(into);
  if (got === pin.treeSha256) return;
  fail(
    'core-scripts-mismatch',
    undefined,
    `Core-scripts from ${what} do not match the pin (${pin.repository} at ${pin.commit})\n  expected tree sha256: ${pin.treeSha256}\n  got tree sha256:      ${got}`,
    fix,
  );
}

function unavailable(pin: CoreScriptsPin, attempts: readonly Attempt[], offline: boolean): ReturnType<typeof diag> {
  const tried = attempts.map((a) => `\n  ${a.upstream ? 'upstream' : 'mirror'} ${a.where}: ${a.outcome}`).join('');
  const why = offline ? `--offline does not download ${pin.url}${tried ? `; tried:${tried}` : ''}` : `the download failed; tried:${tried}`;
  return diag(
    'core-scripts-unavailable',
    undefined,
    `TinyCore's Core-scripts (${pin.repository} at ${pin.commit}) are missing: no checkout was handed in (${coreScriptsEnv}), the download cache has none, and ${why}`,
    `hand in a checkout of that commit with ${coreScriptsEnv}=DIR (it is verified against the same pin), or run \`tczbuild core-scripts\` once online to fill the cache, or pass --source-mirror DIR holding ${pin.commit}.tar.gz`,
  );
}
