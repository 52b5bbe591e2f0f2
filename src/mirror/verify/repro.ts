/**
 * `verify --repro`: rebuild every extension of a tcz directory that has a recipe, with the
 * real builder (buildAll) into a temporary out/, and compare the published bytes (.tcz and
 * its .md5.txt/.dep/.info/.list) with the mirror's. A difference means the mirror was not
 * built from these recipes and sources, or the build is not reproducible. The temporary tree
 * is always removed. It judges bytes only; the other checks judge meaning.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { diag, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { isTczError } from '../../diagnostics/errors.js';
import type { StagePlugin } from '../../builder/plugin.js';
import { buildAll } from '../../builder/run.js';
import type { Reporter } from '../../report/reporter.js';
import { parseTczRelPath } from '../layout.js';
import { listExtensions, readOptional } from '../scan.js';
import type { NetworkSettings } from '../../util/network-settings.js';

export interface ReproOptions {
  readonly recipesDir: string;
  /** The build's plugins, as `all` wires them (the caller above mirror/ owns that wiring). */
  readonly plugins: readonly StagePlugin[];
  readonly overlaysDir: string;
  readonly cacheDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The run's proxies and private CA, for the rebuild's downloads. */
  readonly network: NetworkSettings;
  readonly offline?: boolean;
  /** Source mirrors (--source-mirror, source-mirrors: in tczbuild.yaml), as `all` uses them. */
  readonly mirrors?: readonly string[];
  readonly registryMirrors?: Readonly<Record<string, string>>;
  readonly displayBase?: string;
  /** Where build diagnostics (warnings) go. */
  readonly reporter: Reporter;
}

const compared = ['', '.md5.txt', '.dep', '.info', '.list'];

export async function reproduce(tczDir: string, o: ReproOptions): Promise<Diagnostic[]> {
  const target = parseTczRelPath(tczDir.split(sep).filter((s) => s !== ''));
  const show = (p: string): string => (o.displayBase ? relative(o.displayBase, p) || p : p);
  if (!target) return [diag('repro-build-failed', { file: show(tczDir) }, `${show(tczDir)} is not a <major>.x/<arch>/tcz directory, so the target to rebuild for is unknown`)];
  const findings: Diagnostic[] = [];
  const names: string[] = [];
  for (const file of await listExtensions(tczDir)) {
    const bare = file.replace(/\.tcz$/, '');
    const hasRecipe = (await readOptional(join(o.recipesDir, `${bare}.yaml`))) !== undefined;
    if (hasRecipe) names.push(bare);
    else findings.push(diag('repro-no-recipe', { file: show(join(tczDir, file)) }, `${file} has no recipe in ${show(o.recipesDir)}`));
  }
  if (names.length === 0) return findings;
  const outDir = await mkdtemp(join(tmpdir(), 'tczbuild-repro-'));
  try {
    const reporter: Reporter = { emit: (e) => void (e.type === 'diagnostic' ? o.reporter.emit(e) : undefined) };
    const result = await buildAll({
      recipesDir: o.recipesDir,
      overlaysDir: o.overlaysDir,
      outDir,
      cacheDir: o.cacheDir,
      target,
      only: names,
      offline: o.offline,
      mirrors: o.mirrors,
      registryMirrors: o.registryMirrors,
      force: true,
      reporter,
      env: o.env,
      network: o.network,
      plugins: o.plugins,
      displayBase: o.displayBase,
    });
    for (const name of names) findings.push(...(await compareExtension(name, tczDir, result.tczDir, show)));
  } catch (error) {
    if (!isTczError(error)) throw error;
    findings.push(...error.diagnostics, diag('repro-build-failed', { file: show(tczDir) }, `rebuilding ${names.join(', ')} failed`));
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return findings;
}

async function compareExtension(name: string, mirrorDir: string, rebuiltDir: string, show: (p: string) => string): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const suffix of compared) {
    const file = `${name}.tcz${suffix}`;
    const [ours, again] = await Promise.all([readBytes(join(mirrorDir, file)), readBytes(join(rebuiltDir, file))]);
    if (ours === undefined && again === undefined) continue;
    if (ours !== undefined && again !== undefined && ours.equals(again)) continue;
    out.push(diag('repro-mismatch', { file: show(join(mirrorDir, file)) }, `${file}: mirror ${describe(ours)}, rebuild ${describe(again)}`));
  }
  return out;
}

async function readBytes(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
}

function describe(b: Buffer | undefined): string {
  return b === undefined ? 'has no such file' : `${b.length} bytes md5 ${createHash('md5').update(b).digest('hex')}`;
}
