/**
 * Read a box definition: YAML → validated WrittenBox, with every problem reported as a
 * Diagnostic naming the file, line and column; then resolve its boot files to local paths,
 * fetching and verifying URL ones through the source cache (and --source-mirror).
 */
import { stat } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fetchSources } from '../builder/fetch/fetch-sources.js';
import type { SourceCache } from '../builder/fetch/source-cache.js';
import type { Position } from '../diagnostics/diagnostic.js';
import { diag } from '../diagnostics/diagnostic.js';
import { fail, TczError } from '../diagnostics/errors.js';
import type { SourceSpec } from '../recipe/model.js';
import { issueToDiagnostics } from '../recipe/parse.js';
import { createSourceMap, type SourceMap } from '../recipe/source-map.js';
import { parseYamlLimited } from '../recipe/yaml-limits.js';
import { readInputFile } from '../util/read-input.js';
import type { Reporter } from '../report/reporter.js';
import { writtenBox, type WrittenBootFile, type WrittenBox } from './schema.js';
import type { NetworkSettings } from '../util/network-settings.js';

export interface LoadedBox {
  readonly file: string;
  readonly box: WrittenBox;
  readonly map: SourceMap;
}

export async function loadBox(path: string, displayBase: string): Promise<LoadedBox> {
  const file = relative(displayBase, path) || path;
  let text: string;
  try {
    text = await readInputFile(path);
  } catch (error) {
    fail('box-file-missing', { file }, `cannot read box definition: ${(error as Error).message}`, undefined, error);
  }
  const yaml = parseYamlLimited(text);
  if (!yaml.ok) throw new TczError(yaml.problems.map((p) => diag(p.kind === 'limit' ? 'yaml-limit' : 'yaml-syntax', { file, ...yaml.lines.linePos(p.offset) }, p.message)));
  const { doc } = yaml;
  const map = createSourceMap(file, doc, yaml.lines);
  const parsed = writtenBox.safeParse(yaml.data);
  if (!parsed.success) throw new TczError(parsed.error.issues.flatMap((i) => issueToDiagnostics(i, map, doc.hasIn.bind(doc))));
  return { file: path, box: parsed.data, map };
}

export interface BootFiles {
  readonly kernel: string;
  readonly initrd: readonly string[];
}

/** Local paths of the kernel and initrds, downloading and verifying URL entries first. */
export async function resolveBootFiles(loaded: LoadedBox, opts: { cache: SourceCache; mirrors: readonly string[]; offline?: boolean; reporter?: Reporter; env: NodeJS.ProcessEnv; network: NetworkSettings }): Promise<BootFiles> {
  const entries: Array<{ file: WrittenBootFile; key: (string | number)[] }> = [
    { file: loaded.box.kernel, key: ['kernel'] },
    ...loaded.box.initrd.map((file, i) => ({ file, key: ['initrd', i] })),
  ];
  const specs = new Map<number, SourceSpec>();
  entries.forEach((e, i) => {
    if (!('url' in e.file)) return;
    const at: Position = loaded.map.at(e.key);
    specs.set(i, {
      id: `${loaded.box.name}-${e.key.join('-')}`,
      url: e.file.url,
      sha256: e.file.sha256 === 'unpinned' ? null : e.file.sha256,
      kind: 'file',
      hashAt: loaded.map.at([...e.key, 'sha256']),
      at,
    });
  });
  const fetched = specs.size > 0 ? await fetchSources([...specs.values()], { cache: opts.cache, mirrors: opts.mirrors, offline: opts.offline, reporter: opts.reporter, network: opts.network }) : new Map();
  const paths: string[] = [];
  for (const [i, e] of entries.entries()) {
    const spec = specs.get(i);
    if (spec) {
      paths.push(fetched.get(spec)!.path);
      continue;
    }
    const p = resolve(dirname(loaded.file), (e.file as { path: string }).path);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) fail('box-file-missing-part', loaded.map.at(e.key), `${e.key.join('.')}: ${p} does not exist`);
    paths.push(p);
  }
  return { kernel: paths[0]!, initrd: paths.slice(1) };
}
