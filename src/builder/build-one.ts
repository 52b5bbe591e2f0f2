/**
 * Build one extension in a private work directory: generate plugin files, stage the tree,
 * pack it with mksquashfs and render its companions. Returns the files to publish; writes
 * nothing outside its work directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter } from '../report/reporter.js';
import type { Env } from '../util/exec.js';
import type { Spawner } from '../util/spawner.js';
import type { Recipe, Target } from '../recipe/model.js';
import { toolVersion } from '../util/version.js';
import { stopPoint } from '../util/interrupt.js';
import { renderDep, renderInfo, renderList, renderMd5Txt } from './companions.js';
import { listedPaths } from './file-table.js';
import { packSquashfs } from './pack.js';
import { processorsFor } from './squashfs-args.js';
import type { GenerateContext, StagePlugin } from './plugin.js';
import type { PublishFile } from './publish.js';
import { removeStage, stageRecipe } from './stage.js';
import type { FetchedSource, GeneratedFile } from './types.js';

export interface BuildOneInput {
  readonly recipe: Recipe;
  readonly target: Target;
  readonly sources: readonly FetchedSource[];
  readonly overlaysDir: string;
  readonly workDir: string;
  readonly tczRel: string;
  readonly epoch: number;
  readonly key: string;
  readonly tools: Readonly<Record<string, string>>;
  readonly plugins: readonly StagePlugin[];
  readonly generateContext: Omit<GenerateContext, 'workDir'>;
  readonly reporter: Reporter;
  /** Starts mksquashfs without forking Node (util/spawner.ts); runTool when absent. */
  readonly spawner?: Spawner;
  /** The run's environment, which the tools that unpack and pack run in. */
  readonly env: Env;
}

export interface BuiltExtension {
  readonly name: string;
  readonly md5: string;
  readonly size: number;
  readonly files: readonly PublishFile[];
}

export async function buildOne(i: BuildOneInput): Promise<BuiltExtension> {
  const { recipe, reporter } = i;
  const dir = join(i.workDir, recipe.name);
  const timed = async <T>(stage: string, fn: () => Promise<T>, detail?: (t: T) => string): Promise<T> => {
    stopPoint();
    const start = performance.now();
    reporter.emit({ type: 'stage-start', name: recipe.name, stage });
    const result = await fn();
    reporter.emit({ type: 'stage-end', name: recipe.name, stage, ms: performance.now() - start, ...(detail ? { detail: detail(result) } : {}) });
    return result;
  };
  const generated = await timed('generate', async () => {
    const files: GeneratedFile[] = [];
    for (const p of i.plugins) if (p.generate) files.push(...(await p.generate(recipe, i.target, { ...i.generateContext, workDir: join(dir, `gen-${p.name}`) })));
    return files;
  }, (f) => `${f.length} files`);
  const { table, bytes } = await timed('stage', () => stageRecipe({ recipe, sources: i.sources, overlaysDir: i.overlaysDir, generated, stageDir: join(dir, 'root'), env: i.env }), (t) => `${t.table.size} entries`);
  const tczName = `${recipe.name}.tcz`;
  // The small files of an extension (its companions) are written in place: each await was a
  // thread-pool round trip, ten of them per extension, paid thousands of times by a repository of
  // small extensions. The bytes are a few KB; the event loop does not notice. They sit beside
  // root/ in the extension's directory (NAME.tcz* never names root/ or a gen-* directory): a
  // directory of their own was one more inode to make and remove per extension.
  mkdirSync(dir, { recursive: true });
  const tczPath = join(dir, tczName);
  const packed = await timed('pack', () => packSquashfs({ stageDir: join(dir, 'root'), table, outFile: tczPath, epoch: i.epoch, processors: processorsFor(bytes), spawner: i.spawner, env: i.env }), (p) => `${p.size} bytes`);
  // the staged tree is packed: removed now, beside the other extensions' builds, instead of all
  // at once after the publish, when nothing else runs
  await removeStage(join(dir, 'root'), table);
  const companions: Array<[string, string | undefined]> = [
    ['.md5.txt', renderMd5Txt(tczName, packed.md5)],
    ['.dep', renderDep(recipe.depends)],
    ['.info', renderInfo(recipe.info, packed.size)],
    ['.list', renderList(listedPaths(table))],
    ['.build.json', renderBuildJson(i, packed)],
  ];
  const files: PublishFile[] = [{ rel: `${i.tczRel}/${tczName}`, from: tczPath }];
  for (const [suffix, content] of companions) {
    if (content === undefined) continue;
    const path = join(dir, `${tczName}${suffix}`);
    writeFileSync(path, content);
    files.push({ rel: `${i.tczRel}/${tczName}${suffix}`, from: path });
  }
  return { name: recipe.name, md5: packed.md5, size: packed.size, files };
}

function renderBuildJson(i: BuildOneInput, packed: { md5: string; sha256: string; size: number }): string {
  const provenance = {
    name: i.recipe.name,
    version: i.recipe.version,
    target: i.target,
    recipe: { file: i.recipe.file },
    key: i.key,
    sources: i.sources.map((s) => ({ id: s.spec.id, url: s.spec.url, sha256: s.sha256, size: s.size })),
    // what plugins add (the images plugin: every image packed, its digest, registry and the URL it came from)
    ...Object.assign({}, ...i.plugins.map((p) => p.provenance?.(i.recipe, i.generateContext) ?? {})),
    sourceDateEpoch: i.epoch,
    tools: { tczbuild: toolVersion, ...i.tools },
    output: { file: `${i.recipe.name}.tcz`, size: packed.size, md5: packed.md5, sha256: packed.sha256 },
  };
  return `${JSON.stringify(provenance, null, 2)}\n`;
}
