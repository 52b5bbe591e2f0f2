/**
 * `tczbuild pin`, the service: for each selected recipe file, resolve every unpinned image
 * digest and source sha256 (all of them with --force), splice the results into the YAML text
 * and write it back atomically, keeping comments and layout. Reports each change and every
 * failure; a failure in one entry does not stop the others.
 */
import { redactUserinfo, withUserinfo } from '../../util/credentials.js';
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { SourceCache } from '../../builder/fetch/source-cache.js';
import { diag, type Diagnostic, type Position } from '../../diagnostics/diagnostic.js';
import { isTczError } from '../../diagnostics/errors.js';
import { listRecipeFiles } from '../../recipe/load.js';
import type { Target } from '../../recipe/model.js';
import { normalizeRecipe } from '../../recipe/normalize.js';
import { parseRecipe } from '../../recipe/parse.js';
import type { WrittenRecipe } from '../../recipe/schema.js';
import type { SourceMap } from '../../recipe/source-map.js';
import { parseReference } from '../reference.js';
import { RegistryClient } from '../registry/client.js';
import { resolveImageTag, resolveSourceHash, type ResolveContext } from './resolve.js';
import { insertMissing, setScalars, type ScalarEdit } from './yaml-edit.js';
import type { NetworkSettings } from '../../util/network-settings.js';

export interface PinOptions {
  readonly recipesDir: string;
  /** Recipe names to pin; all when empty. */
  readonly names: readonly string[];
  readonly force: boolean;
  readonly offline: boolean;
  readonly cache: SourceCache;
  /** Sources without an `arch:` list are hashed for this target's URL. */
  readonly target: Target;
  readonly displayBase: string;
  readonly registryMirrors?: Readonly<Record<string, string>>;
  readonly sourceMirrors?: readonly string[];
  /** The run's environment (netrc for downloads). */
  readonly env: NodeJS.ProcessEnv;
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
}

export interface PinChange extends Position {
  readonly what: string;
  readonly from: string;
  readonly to: string;
}

export interface PinResult {
  readonly changes: readonly PinChange[];
  /** Entries already pinned and left alone (or re-resolved to the same value with --force). */
  readonly unchanged: number;
  readonly diagnostics: readonly Diagnostic[];
  /** The recipes read (by name); a name asked for and not among them is the caller's to report. */
  readonly seen: ReadonlySet<string>;
}

interface Pending {
  readonly path: readonly (string | number)[];
  readonly what: string;
  readonly current: string;
  resolve(): Promise<string>;
}

export async function pinRecipes(o: PinOptions): Promise<PinResult> {
  const ctx: ResolveContext = {
    cache: o.cache,
    client: o.offline ? undefined : new RegistryClient({ mirrors: o.registryMirrors ?? {}, network: o.network }),
    sourceMirrors: o.sourceMirrors ?? [],
    env: o.env,
    network: o.network,
  };
  const changes: PinChange[] = [];
  const diagnostics: Diagnostic[] = [];
  let unchanged = 0;
  const seen = new Set<string>();
  for (const file of await listRecipeFiles(o.recipesDir)) {
    const shown = relative(o.displayBase, file) || file;
    const original = await readFile(file, 'utf8');
    const text = insertMissing(insertMissing(original, 'sources', 'url', 'sha256'), 'images', 'ref', 'digest');
    const parsed = parseRecipe(text, shown);
    if (!parsed.ok) {
      diagnostics.push(...parsed.diagnostics);
      continue;
    }
    if (o.names.length > 0 && !o.names.includes(parsed.value.name)) continue;
    seen.add(parsed.value.name);
    const edits: ScalarEdit[] = [];
    for (const p of pendingEntries(parsed.value, parsed.map, o, ctx, diagnostics)) {
      const at = parsed.map.at(p.path);
      try {
        const value = await p.resolve();
        if (value === p.current) unchanged++;
        else {
          edits.push({ path: p.path, value });
          changes.push({ ...at, what: p.what, from: p.current, to: value });
        }
      } catch (error) {
        if (!isTczError(error)) throw error;
        diagnostics.push(...error.diagnostics.map((d) => (d.file === undefined ? { ...d, ...at } : d)));
      }
    }
    if (edits.length > 0) await writeAtomically(file, setScalars(text, edits));
  }
  return { changes, unchanged, diagnostics, seen };
}

/** What to resolve in one recipe: unpinned entries, or every entry with --force. */
function pendingEntries(w: WrittenRecipe, map: SourceMap, o: PinOptions, ctx: ResolveContext, diagnostics: Diagnostic[]): Pending[] {
  const out: Pending[] = [];
  (w.images ?? []).forEach((image, i) => {
    if (image.digest !== 'unpinned' && !o.force) return;
    const ref = parseReference(image.ref);
    if (!ref.ok) return void diagnostics.push(diag('image-bad-reference', map.at(['images', i, 'ref']), `images[${i}].ref: ${ref.reason}`));
    out.push({ path: ['images', i, 'digest'], what: `image ${ref.ref.full}`, current: image.digest, resolve: () => resolveImageTag(ref.ref, ctx) });
  });
  w.sources.forEach((source, i) => {
    if (source.sha256 !== 'unpinned' && !o.force) return;
    const url = sourceUrl(w, map, i, { ...o.target, arch: source.arch?.[0] ?? o.target.arch });
    if (url === undefined) return; // normalize reported it; lint shows it
    out.push({ path: ['sources', i, 'sha256'], what: `source ${redactUserinfo(url)}`, current: source.sha256, resolve: () => resolveSourceHash(url, ctx) });
  });
  return out;
}

/** The source's URL with variables substituted for `target`, matched by its position. */
export function sourceUrl(w: WrittenRecipe, map: SourceMap, i: number, target: Target): string | undefined {
  const { recipe } = normalizeRecipe(w, map, target);
  const want = map.at(['sources', i, 'sha256']);
  const spec = recipe.sources.find((s) => s.hashAt.line === want.line && s.hashAt.col === want.col);
  // The download needs the URL's credentials back; every message shows it redacted.
  return spec && (spec.credentials ? withUserinfo(spec.url, spec.credentials) : spec.url);
}

/** A reader never sees half a recipe; the file keeps its permissions. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: (await stat(file)).mode & 0o7777 });
  await rename(tmp, file);
}
