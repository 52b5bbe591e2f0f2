/**
 * BuildCommand: what `all` and `build` share — fetch options, the call into buildAll(), and the
 * closing summary (and --json manifest). The two commands differ only in which recipes they
 * select.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Option, UsageError } from 'clipanion';
import { fingerprintInputs, matchStamp, writeStamp, type StampInput } from '../builder/noop-stamp.js';
import { redactUserinfo } from '../util/credentials.js';
import { digestFile } from '../util/hash.js';
import { ProjectCommand } from './project-command.js';
import type { ManifestEntry } from '../report/reporter.js';
import type { Target } from '../recipe/model.js';
import { targetName } from '../config/settings.js';
import type { Shard } from '../builder/shard.js';
import type { RemoteCacheOptions } from '../builder/output-cache/remote-cache.js';

interface TargetResult {
  readonly target: Target;
  readonly built: readonly string[];
  readonly skipped: readonly string[];
  readonly cached?: readonly string[];
  readonly tczDir: string;
}

export abstract class BuildCommand extends ProjectCommand {
  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream for every source (repeatable)' });
  offline = Option.Boolean('--offline', false, { description: 'use only the cache and local mirrors; fail before any work listing what is missing' });
  force = Option.Boolean('--force', false, { description: 'rebuild even when nothing changed' });
  override registryMirrors = Option.Array('--registry-mirror', [], { description: 'HOST=URL: pull images for registry HOST from URL instead (repeatable)' });
  upstreamIndexes = Option.Array('--upstream-index', [], { description: "an upstream mirror's index directory or file (md5.db.gz, dep.db.gz, …) to merge into ours (repeatable)" });
  outputCache = Option.Boolean('--output-cache', true, { description: 'reuse published files by build key from the local cache (and --remote-cache); --no-output-cache always builds' });
  override remoteCache = Option.String('--remote-cache', { description: "URL of a Bazel HTTP remote cache (GET/PUT /ac/<key>, /cas/<sha256>); user:password@ in the URL is sent as Basic auth and never logged (default: remote-cache: in tczbuild.yaml)" });
  remoteCacheUpload = Option.Boolean('--remote-cache-upload', true, { description: 'upload what this build produced to --remote-cache; --no-remote-cache-upload for read-only jobs' });
  remoteCacheTimeout = Option.String('--remote-cache-timeout', '30', { description: 'seconds the remote cache may stay silent before it is given up for this build' });
  override upstream = Option.String('--upstream', { description: 'an upstream TinyCore mirror (default: upstream: in tczbuild.yaml, else $TCZBUILD_UPSTREAM): its indexes are fetched, cached and merged into ours' });
  verify = Option.Boolean('--verify', true, { description: "run verify's per-extension checks before publishing (default); --no-verify publishes what they reject" });
  upstreamMaxAge = Option.String('--upstream-max-age', { description: 'seconds before cached upstream indexes are fetched again (default 21600)' });
  fromCache = Option.Boolean('--from-cache', false, { description: 'take every rebuilt extension from the output cache (local or --remote-cache); one that would have to be built fails the run and publishes nothing (the assembly job after --shard jobs)' });

  /**
   * Build every target (`targets:` in tczbuild.yaml, narrowed by --target): each is staged, and
   * out/ is published once with all of them, so a target that fails publishes none.
   */
  protected async build(only?: readonly string[], shard?: Shard): Promise<number> {
    const targets = this.targets();
    if (this.fromCache && !this.outputCache) throw new UsageError('--from-cache takes extensions from the output cache, which --no-output-cache turns off: pass one of them');
    const reporter = this.reporter();
    const outputCache = this.outputCacheOptions();
    const results: TargetResult[] = [];
    const pending: Array<{ target: Target; upstreamIndexes: string[]; upstreamLabel: string; stamp?: StampInput; inputs?: Awaited<ReturnType<typeof fingerprintInputs>> }> = [];
    for (const target of targets) {
      if (targets.length > 1) reporter.emit({ type: 'info', message: `target ${targetName(target)}` });
      const given = this.upstreamIndexes.map((f) => this.resolvePath(f));
      const fetched = await this.fetchedUpstreamIndexes(target);
      const upstreamIndexes = [...given, ...fetched];
      // what the dependency check names as its source: the files given, the mirror fetched from
      const upstreamLabel = [...this.upstreamIndexes, ...(fetched.length ? [`${this.settings().upstream.value!.replace(/\/*$/, '/')}${target.tcVersion}.x/${target.arch}/tcz`] : [])].join(', ');
      // Only a plain `all` may take the stamp shortcut: a selection, a shard or --force always goes the full way.
      const stamp = only || shard || this.force ? undefined : this.stampInput(target, upstreamIndexes);
      const upToDate = stamp && (await matchStamp(stamp));
      if (upToDate) {
        for (const name of upToDate) reporter.emit({ type: 'skip', name, reason: 'no input changed since the last build', target: targetName(target) });
        results.push({ target, built: [], skipped: upToDate, tczDir: join(this.outDir(), `${target.tcVersion}.x`, target.arch, 'tcz') });
        continue;
      }
      pending.push({ target, upstreamIndexes, upstreamLabel, ...(stamp ? { stamp, inputs: await fingerprintInputs(stamp) } : {}) });
    }
    if (pending.length > 0) {
      // V8 lets the old generation grow to several times its live data before it collects: a
      // build keeps the plans of every recipe live (~40 MB at 3,000), so that slack was most of
      // its peak (3,000 one-file extensions: 156-170 MB; 130 MB with the factor held to 1.2).
      // Only a build that has work to do; serve keeps V8's own.
      setFlagsFromString('--heap-growing-percent=20');
      // The builder, YAML, schema and plugins load only when the stamp could not settle it.
      const [{ buildTargets }, { defaultPlugins }] = await Promise.all([import('../builder/run.js'), import('../plugins.js')]);
      const built = await buildTargets({
        recipesDir: this.recipesDir(),
        overlaysDir: this.overlaysDir(),
        outDir: this.outDir(),
        cacheDir: this.cacheDir(),
        targets: await Promise.all(
          pending.map(async (p) => ({
            target: p.target,
            plugins: defaultPlugins({ projectDir: dirname(this.recipesDir()), upstreamIndexes: p.upstreamIndexes }),
            ...(await this.upstreamNames(p.upstreamIndexes, p.upstreamLabel)),
          })),
        ),
        only,
        mirrors: this.sourceMirrorList(),
        offline: this.offline,
        force: this.force,
        reporter,
        env: this.context.env,
        network: this.network(),
        registryMirrors: this.registryMirrorMap(),
        displayBase: this.context.cwd,
        outputCache,
        verify: this.verify,
        ...(shard ? { shard } : {}),
        cacheOnly: this.fromCache,
      });
      for (const [i, p] of pending.entries()) {
        const result = built[i]!;
        if (p.stamp && p.inputs) await writeStamp(p.stamp, p.inputs, [...result.built, ...result.skipped]);
        results.push({ target: p.target, ...result });
      }
    }
    const order = (r: TargetResult): number => targets.indexOf(r.target);
    return this.finish([...results].sort((a, b) => order(a) - order(b)));
  }

  /** The output-cache settings from the options; undefined with --no-output-cache. */
  protected outputCacheOptions(): { remote?: RemoteCacheOptions } | undefined {
    const timeoutMs = this.positiveInteger('--remote-cache-timeout', this.remoteCacheTimeout) * 1000;
    if (!this.outputCache) return undefined;
    // --remote-cache, else remote-cache: in tczbuild.yaml.
    const remote = this.settings().remoteCache.value;
    if (remote === undefined) return {};
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      throw new UsageError(`--remote-cache takes an http:// or https:// URL, not "${redactUserinfo(remote)}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--remote-cache takes an http:// or https:// URL, not "${redactUserinfo(remote)}"`);
    return { remote: { url: url.href, upload: this.remoteCacheUpload, timeoutMs, network: this.network() } };
  }

  private async finish(results: readonly TargetResult[]): Promise<number> {
    const reporter = this.reporter();
    for (const result of results) {
      const cached = result.cached ?? [];
      const parts = [
        ['built ', result.built.filter((n) => !cached.includes(n))],
        ['from cache: ', cached],
        ['up to date: ', result.skipped],
      ] as const;
      const summary = result.built.length
        ? parts.flatMap(([what, names]) => (names.length ? [`${what}${names.join(', ')}`] : [])).join('; ')
        : result.skipped.length
          ? `nothing to do: ${result.skipped.join(', ')} up to date`
          : 'nothing to build for this target';
      reporter.emit({ type: 'info', message: `${summary} (${result.tczDir})` });
    }
    if (this.json) reporter.emit({ type: 'manifest', out: this.outDir(), files: await manifestOf(this.outDir()) });
    return 0;
  }

  /** The configured upstream mirror's indexes for this target, fetched into the cache when absent or stale. */
  private async fetchedUpstreamIndexes(target: Target): Promise<string[]> {
    // --upstream, else upstream: in tczbuild.yaml, else $TCZBUILD_UPSTREAM.
    const upstream = this.settings().upstream.value;
    if (upstream === undefined) return [];
    const { ensureUpstreamIndexes, defaultUpstreamIndexMaxAgeMs } = await import('../mirror/upstream-indexes.js');
    const maxAgeMs = this.upstreamMaxAge === undefined ? defaultUpstreamIndexMaxAgeMs : this.nonNegativeSeconds('--upstream-max-age', this.upstreamMaxAge);
    return [await ensureUpstreamIndexes({ upstream, ...target, cacheDir: this.cacheDir(), maxAgeMs, network: this.network(), log: (message) => this.reporter().emit({ type: 'info', message }) })];
  }

  /** The upstream extensions the given index files list, for the dependency check; nothing without index files. */
  private async upstreamNames(indexes: readonly string[], from: string): Promise<{ upstream?: { names: ReadonlySet<string>; from: string } }> {
    if (indexes.length === 0) return {};
    const { upstreamExtensionNames } = await import('../mirror/upstream-names.js');
    return { upstream: { names: await upstreamExtensionNames(indexes), from } };
  }

  private stampInput(target: Target, upstreamIndexes: readonly string[]): StampInput {
    return {
      recipesDir: this.recipesDir(),
      overlaysDir: this.overlaysDir(),
      outDir: this.outDir(),
      cacheDir: this.cacheDir(),
      tcVersion: target.tcVersion,
      arch: target.arch,
      upstreamIndexes,
      env: this.context.env,
    };
  }
}

/** Every published file under out/ with size, md5 and sha256, for CI artifact upload. */
export async function manifestOf(outDir: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (name === '.tczbuild') continue;
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await stat(abs);
      if (st.isDirectory()) await walk(abs, r);
      else {
        const { md5, sha256 } = await digestFile(abs);
        out.push({ path: r, size: st.size, md5, sha256 });
      }
    }
  };
  // a job with nothing to build (an empty --shard share, on a fresh checkout) has no out/ yet
  if (!(await stat(outDir).catch(() => undefined))?.isDirectory()) return out;
  await walk(outDir, '');
  return out;
}
