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
import { diag, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
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
import { hashTree, sourceEpochs } from './inputs.js';
import { lockOut } from './lock.js';
import { requiredCompanions } from './output-cache/complete.js';
import type { CacheOrigin, OutputCache } from './output-cache/output-cache.js';
import type { RemoteCacheOptions } from './output-cache/remote-cache.js';
import { onInterrupt, settledBeforeCleanup } from '../util/interrupt.js';
import { mksquashfsVersion } from './pack.js';
import { placeOut } from './out-placement.js';
import { planBuild, type PlannedRecipe } from './plan.js';
import type { StagePlugin } from './plugin.js';
import { asOutError, exists, publishAtomically, recoverOut, siblingPath, type PublishFile } from './publish.js';
import { runScheduled } from './schedule.js';
import { recipesForTarget } from './target-recipes.js';
import { shardName, shareOf, type Shard } from './shard.js';
import { removeTree } from './tree-move.js';
import type { NetworkSettings } from '../util/network-settings.js';

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
  /** The run's proxies and private CA, for every download. */
  readonly network: NetworkSettings;
  readonly plugins: readonly StagePlugin[];
  readonly fetch?: Partial<Omit<FetchOptions, 'cache' | 'mirrors' | 'offline' | 'reporter'>>;
  readonly registryMirrors?: Readonly<Record<string, string>>;
  readonly displayBase?: string;
  readonly jobs?: number;
  /** Reuse and keep published files by build key (locally under cacheDir, and on a remote cache). Off unless given. */
  readonly outputCache?: { readonly remote?: RemoteCacheOptions };
  /** Run verify's per-extension checks before publishing (default true; `--no-verify` turns it off). */
  readonly verify?: boolean;
  /** `all --shard I/N`: build only this shard's share of the recipes (and what they depend on). */
  readonly shard?: Shard;
  /** `--from-cache`: every rebuild must come from the output cache; one that would be built fails the run before publishing. */
  readonly cacheOnly?: boolean;
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

/** One target of a multi-target build, with the plugins its build uses (its own upstream indexes). */
export interface TargetBuild {
  readonly target: Target;
  readonly plugins: readonly StagePlugin[];
  /** The upstream mirror's extensions for this target, when its index is at hand (dependency checks). */
  readonly upstream?: { readonly names: ReadonlySet<string>; readonly from: string };
}

export interface BuildTargetsOptions extends Omit<BuildOptions, 'target' | 'plugins'> {
  readonly targets: readonly TargetBuild[];
}

/** Build one target and publish it (buildTargets with one target). */
export async function buildAll(o: BuildOptions): Promise<BuildResult> {
  const [result] = await buildTargets({ ...o, targets: [{ target: o.target, plugins: o.plugins }] });
  return result!;
}

/** A target loaded and planned, before any work. */
interface Planned {
  readonly t: TargetBuild;
  readonly o: BuildOptions;
  readonly buildable: readonly Recipe[];
  readonly plan: readonly PlannedRecipe[];
  readonly warnings: readonly Diagnostic[];
}

/** A target built (or restored) into the work directory, waiting for the one publish. */
interface Staged {
  readonly p: Planned;
  readonly tczRel: string;
  readonly stateFile: string;
  readonly state: BuildState;
  readonly keyed: readonly Keyed[];
  readonly skipped: readonly string[];
  readonly built: readonly Built[];
  readonly restored: readonly Built[];
  /** The plugins' mirrorInputs now; published again when it differs from the state's. */
  readonly mirrorInputs: string;
  /** Holds this target's fresh builds for upload once everything is published. */
  readonly cache?: OutputCache;
}

/** Whether a target's out/ changes: an extension was (re)built, or the mirror's other inputs moved. */
function needsPublish(s: Staged): boolean {
  return s.built.length > 0 || s.mirrorInputs !== (s.state.mirrorInputs ?? '');
}

/**
 * Every target is loaded and planned (and refused) before any work, then built into the work
 * directory, and only when all of them are built is out/ published, once, with all of them: a
 * target that fails leaves every target's published files as they were.
 */
export async function buildTargets(all: BuildTargetsOptions): Promise<BuildResult[]> {
  const outDir = await placeOut(all.outDir, all);
  const planned: Planned[] = [];
  for (const t of all.targets) planned.push(await planTarget({ ...all, target: t.target, plugins: t.plugins }, t));

  const lock = await lockOut(outDir);
  // Ctrl-C/SIGTERM: our own .work/.new (and a set-aside .old) go the way a killed build's would,
  // then the lock; interrupt.ts has stopped mksquashfs and friends first
  const unguard = onInterrupt(async () => {
    try {
      await recoverOut(outDir, (pid) => pid !== process.pid && isProcessAlive(pid));
    } finally {
      // a work tree that could not be removed is a dead build's leftover to the next run
      // (recoverOut again); a lock left behind would make that run wait for nobody
      await lock.release();
    }
  });
  const workRoot = siblingPath(outDir, 'work');
  const staged: Staged[] = [];
  let results: BuildResult[];
  try {
    await recoverOut(outDir, isProcessAlive);
    try {
      for (const p of planned) {
        staged.push(await stageTarget(p, outDir, planned.length > 1 ? join(workRoot, `${p.t.target.tcVersion}.x-${p.t.target.arch}`) : workRoot));
      }
      const changed = staged.filter(needsPublish);
      if (changed.length > 0) await publish(outDir, changed, all.reporter, all.verify !== false);
    } finally {
      await removeTree(workRoot).catch(() => undefined);
    }
    results = staged.map((s) => ({
      built: s.built.map((b) => b.ext.name),
      skipped: s.skipped,
      cached: s.restored.map((b) => b.ext.name),
      tczDir: join(outDir, s.tczRel),
      warnings: s.p.warnings,
    }));
  } finally {
    // Release before unregistering: a signal's cleanup that finds nothing registered exits at
    // once, and a release still in flight would leave out.lock behind.
    await lock.release();
    unguard();
  }
  // Uploads last, after the publish and without out.lock: a slow or dead remote cache costs
  // the remote cache's readers, never this run's users their mirror or the next build the lock.
  for (const s of staged) await s.cache?.upload();
  return results;
}

async function planTarget(o: BuildOptions, t: TargetBuild): Promise<Planned> {
  const { recipes, diagnostics: warnings } = await loadRecipes({ recipesDir: o.recipesDir, target: o.target, displayBase: o.displayBase, rules: o.plugins.flatMap((p) => p.rules ?? []), ...(t.upstream ? { upstream: t.upstream } : {}) });
  const { buildable, skipped: leftOut } = recipesForTarget(recipes, o.target, o.only);
  for (const w of [...warnings, ...leftOut]) o.reporter.emit({ type: 'diagnostic', diagnostic: w });
  const only = o.shard ? shareOf(buildable.map((r) => r.name).sort(), o.shard) : o.only;
  const plan = planBuild(buildable, only);
  if (o.shard) {
    const deps = plan.map((p) => p.recipe.name).filter((n) => !only!.includes(n));
    const share = only!.length ? only!.join(', ') : 'no recipe';
    o.reporter.emit({ type: 'info', message: `shard ${shardName(o.shard)} of ${targetField(o.target).target}: ${share} (${only!.length} of ${buildable.length} recipes)${deps.length ? `, with the dependencies ${deps.join(', ')}` : ''}` });
  }
  refuseUnbuildable(plan, o.plugins);
  return { t, o, buildable, plan, warnings };
}

/** Key, skip what is up to date, restore from the output cache, build the rest into workDir. */
async function stageTarget(p: Planned, outDir: string, workDir: string): Promise<Staged> {
  const o = p.o;
  const tczRel = tczRelDir(o.target);
  const stateFile = statePath(outDir, o.target.tcVersion, o.target.arch);
  const state = await readState(stateFile);
  const mirrorInputs = (await Promise.all(p.t.plugins.map((pl) => pl.mirrorInputs?.() ?? ''))).filter(Boolean).join('\n');
  const keyed = await computeKeys(p.plan, o);
  const stale = await staleExtensions(keyed, state, join(outDir, tczRel), o);
  const skipped = keyed.filter((k) => !stale.has(k.planned.recipe.name)).map((k) => k.planned.recipe.name);
  for (const name of skipped) o.reporter.emit({ type: 'skip', name, reason: 'build key unchanged', ...targetField(o.target) });
  if (stale.size === 0) return { p, tczRel, stateFile, state, keyed, skipped, built: [], restored: [], mirrorInputs };

  // What only a rebuild needs (the output cache, fetching, staging, packing, and the HTTP
  // client under them) is loaded here, so that a run with nothing to do stays quick.
  const cache = o.outputCache ? new (await import('./output-cache/output-cache.js')).OutputCache({ cacheDir: o.cacheDir, remote: o.outputCache.remote }, o.reporter) : undefined;
  const restored = cache && !o.force ? await settledBeforeCleanup(() => restoreCached(keyed.filter((k) => stale.has(k.planned.recipe.name)), cache, tczRel, outDir, workDir), jobsGraceMs) : [];
  const toBuild = keyed.filter((k) => stale.has(k.planned.recipe.name) && !restored.some((r) => r.keyed === k));
  if (o.cacheOnly && toBuild.length) {
    throw new TczError(
      toBuild.map((k) =>
        diag('output-cache-miss', k.planned.recipe.positionOf([]), `${k.planned.recipe.name} (${targetField(o.target).target}) is in neither the local nor the remote output cache under build key ${k.key.key.slice(0, 12)}…, and --from-cache forbids building it here`),
      ),
    );
  }
  const fresh = toBuild.length ? await buildStale(toBuild, tczRel, o, outDir, workDir) : [];
  if (cache) for (const b of fresh) await cache.save(b.ext.name, b.keyed.key.key, b.ext.files);
  return { p, tczRel, stateFile, state, keyed, skipped, built: [...restored, ...fresh], restored, mirrorInputs, ...(cache ? { cache } : {}) };
}

/** The target a skip or rebuild event is about, so a multi-target --json stream can tell them apart. */
function targetField(target: Target): { target: string } {
  return { target: `${target.tcVersion}.x/${target.arch}` };
}

export function refuseUnbuildable(plan: readonly PlannedRecipe[], plugins: readonly StagePlugin[]): void {
  const problems = plan.flatMap(({ recipe }) => [...unpinnedSources(recipe, 'error'), ...plugins.flatMap((p) => p.buildErrors?.(recipe) ?? [])]);
  if (problems.length) throw new TczError(sortDiagnostics(problems));
}

export async function computeKeys(plan: readonly PlannedRecipe[], o: BuildOptions): Promise<Keyed[]> {
  // one git run for every recipe, beside the one mksquashfs -version; each overlay hashed once however many recipes share it
  const [mksquashfs, epochs] = await Promise.all([mksquashfsVersion(o.env), sourceEpochs(plan.map((p) => absolute(p.recipe.file, o.displayBase)), o.env)]);
  const toolsJson = canonicalJson({ tczbuild: toolVersion, mksquashfs });
  const targetJson = canonicalJson(o.target);
  const keys = new Map<string, string>();
  const out: Keyed[] = [];
  const overlayHashes = new Map<string, Promise<string>>();
  const overlayHash = (name: string): Promise<string> => {
    let h = overlayHashes.get(name);
    if (!h) overlayHashes.set(name, (h = hashTree(join(o.overlaysDir, name))));
    return h;
  };
  for (const planned of plan) {
    const r = planned.recipe;
    const epoch = epochs.get(absolute(r.file, o.displayBase))!;
    // test: steps run on a booted box (`tczbuild test`); they never change what is packed
    const { test: _boxTests, ...packed } = r.written;
    const components: Record<string, string> = {
      tools: toolsJson,
      target: targetJson,
      recipe: sha256Hex(canonicalJson(packed)),
      epoch: String(epoch),
    };
    for (const s of r.sources) components[`source ${s.id}`] = s.sha256 ?? 'unpinned';
    for (const name of r.overlays) components[`overlay ${name}`] = await overlayHash(name);
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
    o.reporter.emit({ type: 'rebuild', name, reasons: o.force ? ['--force was given'] : reasons, ...targetField(o.target) });
  }
  return stale;
}

/** Extensions the output cache holds, verified and ready to publish; the rest are left to build. */
async function restoreCached(stale: readonly Keyed[], cache: OutputCache, tczRel: string, outDir: string, workDir: string): Promise<Built[]> {
  const out: Built[] = [];
  try {
    for (const k of stale) {
      const hit = await cache.restore(k.planned.recipe.name, k.key.key, workDir, tczRel, requiredCompanions(k.planned.recipe.depends.length > 0));
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

async function buildStale(stale: readonly Keyed[], tczRel: string, o: BuildOptions, outDir: string, workDir: string): Promise<Array<{ ext: BuiltExtension; keyed: Keyed }>> {
  const [{ SourceCache }, { fetchSources }, { buildOne }, { Spawner }] = await Promise.all([import('./fetch/source-cache.js'), import('./fetch/fetch-sources.js'), import('./build-one.js'), import('../util/spawner.js')]);
  const cache = new SourceCache(o.cacheDir);
  const specs = stale.flatMap((k) => k.planned.recipe.sources);
  const start = performance.now();
  const fetched = await fetchSources(specs, { ...o.fetch, cache, mirrors: o.mirrors, offline: o.offline, reporter: o.reporter, network: o.network });
  o.reporter.emit({ type: 'stage-end', name: 'all', stage: 'fetch', ms: performance.now() - start, detail: `${fetched.size} sources` });
  const tools = { mksquashfs: await mksquashfsVersion(o.env) };
  // one more than the cores: a small extension's mksquashfs leaves a core idle between its
  // threads' hand-offs and the spawner round trip; the extra job fills it (200 one-file
  // extensions: 0.67-0.84x of the serial loop with 2 jobs, 0.66-0.70x with 3, same machine and hour)
  const jobs = o.jobs ?? availableParallelism() + 1;
  const spawner = new Spawner(jobs, o.env);
  // Staging unpacks and writes in this process (zlib, tar-stream), not only in mksquashfs: a
  // signal's cleanup waits until every job in flight has stopped writing into workDir (each
  // stops at its next archive entry or stage), or its removal of workDir races those writes.
  // 10 s at most: a job in a long download (an image layer) must not hold up Ctrl-C.
  return settledBeforeCleanup(async () => {
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
            generateContext: { cache, offline: o.offline ?? false, reporter: o.reporter, registryMirrors: o.registryMirrors, network: o.network },
            reporter: o.reporter,
            spawner,
            env: o.env,
          }),
        }),
        jobs,
      );
    } catch (error) {
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
      throw asOutError(error, outDir);
    } finally {
      spawner.close();
    }
  }, jobsGraceMs);
}

/** How long a signal's cleanup waits for the build jobs in flight to stop writing into the work directory. */
const jobsGraceMs = 10_000;

/** Publish every changed target in one swap of out/: each target's files, state and indexes. */
async function publish(outDir: string, changed: readonly Staged[], reporter: Reporter, verify: boolean): Promise<void> {
  const start = performance.now();
  const remove: string[] = [];
  const files: PublishFile[] = [];
  for (const s of changed) {
    const extensions: Record<string, PublishedExtension> = { ...s.state.extensions };
    for (const { ext, keyed, origin } of s.built) {
      for (const f of s.state.extensions[ext.name]?.files ?? []) remove.push(`${s.tczRel}/${f}`);
      files.push(...ext.files);
      const names = ext.files.map((f) => f.rel.slice(s.tczRel.length + 1));
      extensions[ext.name] = { key: keyed.key.key, components: keyed.key.components, md5: ext.md5, size: ext.size, files: names, origin: origin ?? 'built' };
    }
    for (const p of s.p.t.plugins) if (p.publishExtras) for (const e of await p.publishExtras(s.p.buildable)) files.push({ rel: e.rel, content: e.content });
    files.push({ rel: s.stateFile.slice(outDir.length + 1), content: renderState({ version: 1, extensions, ...(s.mirrorInputs ? { mirrorInputs: s.mirrorInputs } : {}) }) });
  }
  await publishAtomically({
    outDir,
    remove,
    files,
    finalize: async (next) => {
      for (const s of changed) for (const p of s.p.t.plugins) if (p.finalizeMirror) await p.finalizeMirror(join(next, s.tczRel));
      // the gate: an error in any target stops the one swap, so nothing is published
      if (verify) await gateTargets(next, changed, reporter);
    },
  });
  const count = changed.reduce((n, s) => n + s.built.length, 0);
  reporter.emit({ type: 'stage-end', name: 'all', stage: 'publish', ms: performance.now() - start, detail: `${count} extensions into ${outDir}` });
}

/** verify's per-extension checks over what each target publishes; warnings printed, errors thrown together. */
async function gateTargets(next: string, changed: readonly Staged[], reporter: Reporter): Promise<void> {
  const { gateBeforePublish } = await import('./verify-gate.js');
  const errors: Diagnostic[] = [];
  for (const s of changed) {
    try {
      const warnings = await gateBeforePublish({ tczDir: join(next, s.tczRel), target: s.p.t.target, recipes: s.built.map((b) => b.keyed.planned.recipe), recipesDir: s.p.o.recipesDir, plugins: s.p.t.plugins, env: s.p.o.env });
      for (const w of warnings) reporter.emit({ type: 'diagnostic', diagnostic: w });
    } catch (error) {
      if (!(error instanceof TczError)) throw error;
      errors.push(...error.diagnostics);
    }
  }
  if (errors.length) throw new TczError(errors);
}

function absolute(file: string, base: string | undefined): string {
  return isAbsolute(file) ? file : resolve(base ?? process.cwd(), file);
}
