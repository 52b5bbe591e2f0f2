/**
 * TinyCore's Core-scripts for the tests that read them, taken the way the stand-in box takes
 * them: a checkout handed in with $TCZBUILD_CORE_SCRIPTS (.ci/run sets it) or the pinned
 * download, verified against the pin. Without either the test fails saying what to set; it is
 * never skipped. Also builds the archive a forge would serve for the pinned commit, from that
 * checkout, for the download-path tests.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveCoreScripts } from '../../src/box/core-scripts.js';
import { SourceCache } from '../../src/builder/fetch/source-cache.js';
import { isTczError } from '../../src/diagnostics/errors.js';
import { formatDiagnostics } from '../../src/diagnostics/format.js';
import { coreScripts, coreScriptsEnv } from '../../src/tinycore/core-scripts.js';
import { defaultCacheDir } from '../../src/util/cache-dir.js';
import { noNetrc } from './no-netrc.js';

let resolved: Promise<string> | undefined;

/** A verified Core-scripts tree (read-only use): the override's checkout, else the pinned download. */
export function coreScriptsTree(): Promise<string> {
  resolved ??= (async () => {
    const into = join(await mkdtemp(join(tmpdir(), 'tczbuild-core-scripts-')), 'tree');
    const dir = process.env[coreScriptsEnv];
    try {
      await resolveCoreScripts({ into, ...(dir ? { override: { dir: resolve(dir), from: `$${coreScriptsEnv}` } } : {}), cache: new SourceCache(defaultCacheDir(process.env)), env: noNetrc(), network: { env: noNetrc() } });
    } catch (error) {
      const words = isTczError(error) ? formatDiagnostics(error.diagnostics) : String(error);
      throw new Error(`this test needs TinyCore's Core-scripts (${coreScripts.repository} at ${coreScripts.commit}): set ${coreScriptsEnv}=DIR to a checkout of that commit (.ci/run does), or run online.\n${words}`);
    }
    return into;
  })();
  return resolved;
}

/** The checkout handed in with $TCZBUILD_CORE_SCRIPTS, or a failure saying to set it. */
export function coreScriptsCheckout(): string {
  const dir = process.env[coreScriptsEnv];
  if (!dir) throw new Error(`this test needs a checkout of ${coreScripts.repository} at ${coreScripts.commit}: set ${coreScriptsEnv}=DIR (.ci/run does)`);
  return resolve(dir);
}

const git = (cwd: string, ...args: string[]): Buffer => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', '-c', 'core.fileMode=true', ...args], { cwd });

/**
 * `git archive` of a commit of `tree` as a forge serves it: tar.gz, one top directory
 * Core-scripts-<commit>/, git's modes (0664/0775 under its default umask) and a pax global
 * header naming the commit. `change` edits the tree first (a tampered archive).
 */
export async function forgeArchive(tree: string, change?: (dir: string) => Promise<void>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-forge-'));
  await cp(tree, dir, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', dir]);
  if (change) await change(dir);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'Core-scripts');
  return git(dir, 'archive', '--format=tar.gz', `--prefix=Core-scripts-${coreScripts.commit}/`, 'HEAD');
}

/** A directory laid out as a --source-mirror holding the archive under its URL's file name. */
export async function mirrorDirWith(archive: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-mirror-'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, archiveName), archive);
  return dir;
}

export const archiveName = `${coreScripts.commit}.tar.gz`;
