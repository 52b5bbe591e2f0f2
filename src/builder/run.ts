/**
 * buildAll(): the orchestrator. Load and plan recipes, refuse what cannot be built before any
 * work, skip extensions whose build key is unchanged, fetch, build (independent recipes in
 * parallel), and publish everything atomically under a lock. Knows the order of stages, not
 * their insides.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { rm } from 'node:fs/promises';
import type { Reporter } from '../report/reporter.js';
import { sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { TczError } from '../diagnostics/errors.js';
import { loadRecipes } from '../recipe/load.js';
import type { Recipe, Target } from '../recipe/model.js';
import { unpinnedSources } from '../recipe/rules.js';
import { isProcessAlive } from '../util/process.js';
import { toolVersion } from '../util/version.js';
import { buildKey, canonicalJson, sha256Hex, type BuildKey } from './build-key.js';
import type { BuiltExtension } from './build-one.js';
import { compareWithPublished, readState, renderState, statePath, type BuildState, type PublishedExtension } from './build-state.js';
import type { FetchOptions } from './fetch/fetch-sources.js';
import { hashTree, sourceEpoch } from './inputs.js';
import { lockOut } from './lock.js';
import type { CacheOrigin, OutputCache } from './output-cache/output-cache.js';
import type { RemoteCacheOptions } from './output-cache/remote-cache.js';
import { onInterrupt } from '../util/interrupt.js';
import { mksquashfsVersion } from './pack.js';
import { planBuild, type PlannedRecipe } from './plan.js';
import type { StagePlugin } from './plugin.js';
import { asOutError, exists, publishAtomically, recoverOut, siblingPath, type PublishFile } from './publish.js';
import { runScheduled } from './schedule.js';
import { recipesForTarget } from './target-recipes.js';

export interface BuildOptions {
  readonly recipesDir: string;
  readonly overlaysDir: string;
  readonly outDir: string;
  readonly cacheDir: string;
  readonly target: Target;
  readonly only?: readonly string[];
  readonly mirrors?: readonly string[];
  readonly offline?: boolean;
  readonly force?: boolean;
  readonly reporter: Reporter;
  readonly env: NodeJS.ProcessEnv;
  readonly plugins: readonly StagePlugin[];
  readonly fetch?: Partial<Omit<FetchOptions, 'cache' | 'mirrors' | 'offline' | 'reporter'>>;
  readonly registryMirrors?: Readonly<Record<string, string>>;
  readonly displayBase?: string;
  readonly jobs?: number;
  /** Reuse and keep published files by build key (locally under cacheDir, and on a remote cache). Off unless given. */
  readonly outputCache?: { readonly remote?: RemoteCacheOptions };
}

export interface BuildResult {
  readonly built: readonly string[];
  readonly skipped: readonly string[];
  /** The part of `built` that came from the output cache instead of being built here. */
  readonly cached: readonly string[];
  readonly tczDir: string;
  readonly warnings: readonly Diagnostic[];
}

export function tczRelDir(target: Target): string {
  return `${target.tcVersion}.x/${target.arch}/tcz`;
}

export interface Keyed {
  readonly planned: PlannedRecipe;
  readonly key: BuildKey;
  readonly epoch: number;
}

export async function buildAll(o: BuildOptions): Promise<BuildResult> {
  const outDir = resolve(o.outDir);
  const { recipes, diagnostics: warnings } = await loadRecipes({ recipesDir: o.recipesDir, target: o.target, displayBase: o.displayBase, rules: o.plugins.flatMap((p) => p.rules ?? []) });
  const { buildable, skipped: leftOut } = recipesForTarget(recipes, o.target, o.only);
  for (const w of [...warnings, ...leftOut]) o.reporter.emit({ type: 'diagnostic', diagnostic: w });
  const plan = planBuild(buildable, o.only);
  refuseUnbuildable(plan, o.plugins);

  const lock = await lockOut(outDir);
  // Ctrl-C/SIGTERM: our own .work/.new (and a set-aside .old) go the way a killed build's would,
  // then the lock; interrupt.ts has stopped mksquashfs and friends first
  const unguard = onInterrupt(async () => {
    await recoverOut(outDir, (pid) => pid !== process.pid && isProcessAlive(pid));
    await lock.release();
  });
  try {
    await recoverOut(outDir, isProcessAlive);
    const tczRel = tczRelDir(o.target);
    const stateFile = statePath(outDir, o.target.tcVersion, o.target.arch);
    const state = await readState(stateFile);
    const keyed = await computeKeys(plan, o);
    const stale = await staleExtensions(keyed, state, join(outDir, tczRel), o);
    const skipped = keyed.filter((k) => !stale.has(k.planned.recipe.name)).map((k) => k.planned.recipe.name);
    for (const name of skipped) o.reporter.emit({ type: 'skip', name, reason: 'build key unchanged' });
    if (stale.size === 0) return { built: [], skipped, cached: [], tczDir: join(outDir, tczRel), warnings };

    // What only a rebuild needs (the output cache, fetching, staging, packing, and the HTTP
    // client under them) is loaded here, so that a run with nothing to do stays quick.
    const cache = o.outputCache ? new (await import('./output-cache/output-cache.js')).OutputCache({ cacheDir: o.cacheDir, remote: o.outputCache.remote }, o.reporter) : undefined;
    const restored = cache && !o.force ? await restoreCached(keyed.filter((k) => stale.has(k.planned.recipe.name)), cache, tczRel, outDir) : [];
    const toBuild = keyed.filter((k) => stale.has(k.planned.recipe.name) && !restored.some((r) => r.keyed === k));
    const fresh = toBuild.length ? await buildStale(toBuild, tczRel, o, outDir) : [];
    if (cache) for (const b of fresh) await cache.save(b.ext.name, b.keyed.key.key, b.ext.files);
    const built = [...restored, ...fresh];
    await publish({ outDir, tczRel, stateFile, state, built, keyed, recipes: buildable, plugins: o.plugins, reporter: o.reporter });
    return { built: built.map((b) => b.ext.name), skipped, cached: restored.map((b) => b.ext.name), tczDir: join(outDir, tczRel), warnings };
  } finally {
    // Release before unregistering: a signal's cleanup that finds nothing registered exits at
    // once, and a release still in flight would leave out.lock behind.
    await lock.release();
    unguard();
  }
}

export function refuseUnbuildable(plan: readonly PlannedRecipe[], plugins: readonly StagePlugin[]): void {
  const problems = plan.flatMap(({ recipe }) => [...unpinnedSources(recipe, 'error'), ...plugins.flatMap((p) => p.buildErrors?.(recipe) ?? [])]);
  if (problems.length) throw new TczError(sortDiagnostics(problems));
}

export async function computeKeys(plan: readonly PlannedRecipe[], o: BuildOptions): Promise<Keyed[]> {
  const tools = { tczbuild: toolVersion, mksquashfs: await mksquashfsVersion() };
  const keys = new Map<string, string>();
  const out: Keyed[] = [];
  for (const planned of plan) {
    const r = planned.recipe;
    const epoch = await sourceEpoch(absolute(r.file, o.displayBase), o.env);
    // test: steps run on a booted box (`tczbuild test`); they never change what is packed
    const { test: _boxTests, ...packed } = r.written;
    const components: Record<string, string> = {
      tools: canonicalJson(tools),
      target: canonicalJson(o.target),
      recipe: sha256Hex(canonicalJson(packed)),
      epoch: String(epoch),
    };
    for (const s of r.sources) components[`source ${s.id}`] = s.sha256 ?? 'unpinned';
    for (const name of r.overlays) components[`overlay ${name}`] = await hashTree(join(o.overlaysDir, name));
    for (const p of o.plugins) if (p.keyComponents) for (const [k, v] of Object.entries(await p.keyComponents(r, o.target))) components[`${p.name} ${k}`] = v;
    for (const d of planned.localDeps) components[`dependency ${d}`] = keys.get(d)!;
    const key = buildKey(components);
    keys.set(r.name, key.key);
    out.push({ planned, key, epoch });
  }
  return out;
}

async function staleExtensions(keyed: readonly Keyed[], state: BuildState, tczDir: string, o: BuildOptions): Promise<Set<string>> {
  const stale = new Set<string>();
  for (const k of keyed) {
    const name = k.planned.recipe.name;
    const prev = state.extensions[name];
    const { upToDate, reasons } = compareWithPublished(prev, k.key, prev !== undefined && (await exists(join(tczDir, `${name}.tcz`))));
    if (upToDate && !o.force) continue;
    stale.add(name);
    o.reporter.emit({ type: 'rebuild', name, reasons: o.force ? ['--force was given'] : reasons });
  }
  return stale;
}

/** Extensions the output cache holds, verified and ready to publish; the rest are left to build. */
async function restoreCached(stale: readonly Keyed[], cache: OutputCache, tczRel: string, outDir: string): Promise<Built[]> {
  const workDir = siblingPath(outDir, 'work');
  const out: Built[] = [];
  try {
    for (const k of stale) {
      const hit = await cache.restore(k.planned.recipe.name, k.key.key, workDir, tczRel);
      if (hit) out.push({ keyed: k, ext: hit, origin: hit.origin });
    }
  } catch (error) {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    throw asOutError(error, outDir);
  }
  return out;
}

interface Built {
  readonly ext: BuiltExtension;
  readonly keyed: Keyed;
  readonly origin?: CacheOrigin;
}

async function buildStale(stale: readonly Keyed[], tczRel: string, o: BuildOptions, outDir: string): Promise<Array<{ ext: BuiltExtension; keyed: Keyed }>> {
  const [{ SourceCache }, { fetchSources }, { buildOne }] = await Promise.all([import('./fetch/source-cache.js'), import('./fetch/fetch-sources.js'), import('./build-one.js')]);
  const cache = new SourceCache(o.cacheDir);
  const specs = stale.flatMap((k) => k.planned.recipe.sources);
  const start = performance.now();
  const fetched = await fetchSources(specs, { ...o.fetch, cache, mirrors: o.mirrors, offline: o.offline, reporter: o.reporter, env: o.env });
  o.reporter.emit({ type: 'stage-end', name: 'all', stage: 'fetch', ms: performance.now() - start, detail: `${fetched.size} sources` });
  const workDir = siblingPath(outDir, 'work');
  const tools = { mksquashfs: await mksquashfsVersion() };
  try {
    return await runScheduled(
      stale,
      (k) => k.planned.recipe.name,
      (k) => k.planned.localDeps,
      async (k) => ({
        keyed: k,
        ext: await buildOne({
          recipe: k.planned.recipe,
          target: o.target,
          sources: k.planned.recipe.sources.map((s) => fetched.get(s)!),
          overlaysDir: o.overlaysDir,
          workDir,
          tczRel,
          epoch: k.epoch,
          key: k.key.key,
          tools,
          plugins: o.plugins,
          generateContext: { cache, offline: o.offline ?? false, reporter: o.reporter, registryMirrors: o.registryMirrors },
          reporter: o.reporter,
        }),
      }),
      o.jobs ?? Math.max(1, availableParallelism()),
    );
  } catch (error) {
    await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    throw asOutError(error, outDir);
  }
}

interface PublishArgs {
  readonly outDir: string;
  readonly tczRel: string;
  readonly stateFile: string;
  readonly state: BuildState;
  readonly built: readonly Built[];
  readonly keyed: readonly Keyed[];
  readonly recipes: readonly Recipe[];
  readonly plugins: readonly StagePlugin[];
  readonly reporter: Reporter;
}

async function publish(a: PublishArgs): Promise<void> {
  const start = performance.now();
  const extensions: Record<string, PublishedExtension> = { ...a.state.extensions };
  const remove: string[] = [];
  const files: PublishFile[] = [];
  for (const { ext, keyed, origin } of a.built) {
    for (const f of a.state.extensions[ext.name]?.files ?? []) remove.push(`${a.tczRel}/${f}`);
    files.push(...ext.files);
    const names = ext.files.map((f) => f.rel.slice(a.tczRel.length + 1));
    extensions[ext.name] = { key: keyed.key.key, components: keyed.key.components, md5: ext.md5, size: ext.size, files: names, origin: origin ?? 'built' };
  }
  for (const p of a.plugins) if (p.publishExtras) for (const e of await p.publishExtras(a.recipes)) files.push({ rel: e.rel, content: e.content });
  files.push({ rel: a.stateFile.slice(a.outDir.length + 1), content: renderState({ version: 1, extensions }) });
  const workDir = siblingPath(a.outDir, 'work');
  try {
    await publishAtomically({
      outDir: a.outDir,
      remove,
      files,
      finalize: async (next) => {
        for (const p of a.plugins) if (p.finalizeMirror) await p.finalizeMirror(join(next, a.tczRel));
      },
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  a.reporter.emit({ type: 'stage-end', name: 'all', stage: 'publish', ms: performance.now() - start, detail: `${a.built.length} extensions into ${a.outDir}` });
}

function absolute(file: string, base: string | undefined): string {
  return isAbsolute(file) ? file : resolve(base ?? process.cwd(), file);
}
