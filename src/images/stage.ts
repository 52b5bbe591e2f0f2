/**
 * stageImages(): for one recipe and target, pull every image in `images:` by its pinned
 * digest (or read it from the cache) and write one reproducible tarball per image under the
 * work dir, returned as GeneratedFile entries at the paths the init script imports from.
 * Unpinned images are refused before any work; offline, every missing image is listed at once.
 * prefetchImages() does the pulling alone, to fill the cache for later offline builds.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SourceCache } from '../builder/fetch/source-cache.js';
import type { GeneratedFile } from '../builder/types.js';
import type { Reporter } from '../report/reporter.js';
import type { Diagnostic, Position } from '../diagnostics/diagnostic.js';
import { isTczError, TczError } from '../diagnostics/errors.js';
import { imageTarballPath } from '../initd/image-path.js';
import type { Recipe, Target } from '../recipe/model.js';
import type { WrittenImage } from '../recipe/schema-images.js';
import { checkImages, unpinnedImageErrors } from './check.js';
import { planLayout } from './layout.js';
import { formatPlatform, parsePlatform, platformForArch } from './manifest.js';
import { pullImage, type PulledImage } from './pull.js';
import { parseReference } from './reference.js';
import { RegistryClient } from './registry/client.js';
import { writeImageTarball } from './tarball.js';
import type { NetworkSettings } from '../util/network-settings.js';

export interface StageImagesContext {
  readonly cache: SourceCache;
  readonly offline: boolean;
  readonly reporter?: Reporter;
  /** Scratch directory for this recipe's build; tarballs are written under `<workDir>/images/`. */
  readonly workDir: string;
  /** Registry host → base URL (e.g. `docker.io` → a local registry in tests). */
  readonly registryMirrors?: Readonly<Record<string, string>>;
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
}

export async function stageImages(recipe: Recipe, target: Target, ctx: StageImagesContext): Promise<GeneratedFile[]> {
  const images = recipe.written.images ?? [];
  if (images.length === 0) return [];
  const refused = [...unpinnedImageErrors(recipe), ...checkImages(recipe).filter((d) => d.severity === 'error')];
  if (refused.length > 0) throw new TczError(refused);
  const client = ctx.offline ? undefined : new RegistryClient({ mirrors: ctx.registryMirrors ?? {}, network: ctx.network });
  const pulled = await pullAll(recipe, images.map((image, index) => ({ image, index })), target, ctx, client);
  const dir = join(ctx.workDir, 'images');
  await mkdir(dir, { recursive: true });
  const files: GeneratedFile[] = [];
  for (const [i, image] of images.entries()) {
    const p = pulled[i]!;
    const file = join(dir, `${i}-${p.top.digest.slice(7, 19)}.tar`);
    await writeImageTarball(planLayout(p), ctx.cache, file);
    files.push({ path: imageTarballPath(recipe.name, image.ref, image.to), content: { fromFile: file }, mode: 0o644 });
  }
  return files;
}

/**
 * Pull every pinned image of a recipe into the cache without writing tarballs, so a later
 * `--offline` build finds them (what `tczbuild fetch` does for sources). Unpinned images are
 * skipped: there is nothing to fetch by digest yet.
 */
export async function prefetchImages(recipe: Recipe, target: Target, ctx: Omit<StageImagesContext, 'workDir' | 'offline'>): Promise<number> {
  if ((recipe.written.images ?? []).every((i) => i.digest === 'unpinned')) return 0;
  const problems = checkImages(recipe).filter((d) => d.severity === 'error');
  if (problems.length > 0) throw new TczError(problems);
  const client = new RegistryClient({ mirrors: ctx.registryMirrors ?? {}, network: ctx.network });
  const entries = (recipe.written.images ?? []).flatMap((image, index) => (image.digest === 'unpinned' ? [] : [{ image, index }]));
  return (await pullAll(recipe, entries, target, { ...ctx, workDir: '', offline: false }, client)).length;
}

/** Pull in recipe order; offline, keep going past missing images so the user sees them all. */
async function pullAll(
  recipe: Recipe,
  entries: ReadonlyArray<{ readonly image: WrittenImage; readonly index: number }>,
  target: Target,
  ctx: StageImagesContext,
  client: RegistryClient | undefined,
): Promise<PulledImage[]> {
  const pulled: PulledImage[] = [];
  const missing: Diagnostic[] = [];
  for (const { image, index: i } of entries) {
    const parsed = parseReference(image.ref);
    if (!parsed.ok) throw new Error(`checkImages let an unparsable reference through: ${image.ref}`);
    const platform = image.platform !== undefined ? parsePlatform(image.platform) : platformForArch(target.arch);
    const at = recipe.positionOf(['images', i, 'digest']);
    const started = Date.now();
    try {
      const p = await pullImage(parsed.ref, image.digest, platform, { cache: ctx.cache, client, at, ...(ctx.reporter ? { reporter: ctx.reporter } : {}) });
      pulled.push(p);
      const bytes = [p.config, ...p.layers].reduce((n, d) => n + d.size, 0);
      ctx.reporter?.emit({
        type: 'info',
        message: `${recipe.name}: image ${p.ref.full}@${p.top.digest} (${formatPlatform(platform)}): ${p.layers.length} layers, ${bytes} bytes, ${Date.now() - started} ms`,
      });
    } catch (error) {
      const positioned = withPosition(error, at);
      if (ctx.offline && positioned.diagnostics.every((d) => d.id === 'image-offline-missing')) missing.push(...positioned.diagnostics);
      else throw positioned;
    }
  }
  if (missing.length > 0) throw new TczError(missing);
  return pulled;
}

/** Give diagnostics without a place the recipe position of the image they are about. */
function withPosition(error: unknown, at: Position): TczError {
  if (!isTczError(error)) throw error;
  if (error.diagnostics.every((d) => d.file !== undefined)) return error;
  return new TczError(
    error.diagnostics.map((d) => (d.file !== undefined ? d : { ...d, ...definedOnly(at) })),
    { cause: error },
  );
}

function definedOnly(at: Position): Position {
  return {
    ...(at.file !== undefined ? { file: at.file } : {}),
    ...(at.line !== undefined ? { line: at.line } : {}),
    ...(at.col !== undefined ? { col: at.col } : {}),
  };
}
