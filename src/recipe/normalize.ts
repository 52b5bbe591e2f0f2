/**
 * WrittenRecipe → Recipe for one target: substitute variables, resolve owners, check every
 * image path, decide each source's kind. Collects every problem instead of stopping at the
 * first. Pure.
 */
import { diag, type Diagnostic, type Position } from '../diagnostics/diagnostic.js';
import { goArch, groupIds, userIds, type Recipe, type SourceSpec, type Target } from './model.js';
import { splitUserinfo } from '../util/credentials.js';
import { checkImagePath } from './paths.js';
import { parseSize } from './sizes.js';
import { archiveSuffix, type WrittenRecipe, type WrittenSource } from './schema.js';
import type { KeyPath, SourceMap } from './source-map.js';
import { maxExpandedLength, resolveVars, substitute } from './variables.js';

export interface NormalizeResult {
  readonly recipe: Recipe;
  readonly diagnostics: readonly Diagnostic[];
}

function expansionTooLong(at: Position, what: string): Diagnostic {
  return diag('recipe-limit', at, `${what} expands to more than ${maxExpandedLength} characters`, 'variables that repeat each other grow exponentially; write the value out instead');
}

export function normalizeRecipe(w: WrittenRecipe, map: SourceMap, target: Target): NormalizeResult {
  const diagnostics: Diagnostic[] = [];
  const builtins = { name: w.name, version: w.version, arch: target.arch, goarch: goArch[target.arch] ?? target.arch, tc_version: target.tcVersion };
  const { vars, missing, tooLong } = resolveVars(builtins, w.vars);
  for (const key of tooLong) diagnostics.push(expansionTooLong(map.at(['vars', key]), `vars.${key}`));
  for (const m of missing) {
    diagnostics.push(diag('undefined-variable', map.at(['vars', m.key]), `vars.${m.key} refers to undefined variable(s): ${m.names.map((n) => `\${${n}}`).join(', ')}`));
  }
  const sub = (text: string, path: KeyPath): string => {
    const r = substitute(text, vars);
    if (r.ok) return r.value;
    if (r.tooLong) diagnostics.push(expansionTooLong(map.at(path), path.join('.')));
    for (const name of r.missing) diagnostics.push(diag('undefined-variable', map.at(path), `\${${name}} is not defined (in ${path.join('.')})`));
    return text;
  };
  const imagePath = (raw: string, path: KeyPath, allowEmpty = false): string => {
    const c = checkImagePath(sub(raw, path), { allowEmpty });
    if (c.ok) return c.path;
    diagnostics.push(diag('bad-path', map.at(path), `${path.join('.')}: ${c.reason}`));
    return raw;
  };
  const mode = (m: string | undefined): number | undefined => (m === undefined ? undefined : parseInt(m, 8));
  const uid = (o: string | number | undefined): number | undefined => (typeof o === 'string' ? userIds[o] : o);
  const gid = (g: string | number | undefined): number | undefined => (typeof g === 'string' ? groupIds[g] : g);

  const sources: SourceSpec[] = [];
  w.sources.forEach((s, i) => {
    if (s.arch && !(s.arch as readonly string[]).includes(target.arch)) return;
    const spec = normalizeSource(s, i, { sub, imagePath, mode, map, diagnostics });
    if (spec) sources.push(spec);
  });

  // A dependency with tc-version/arch applies only to those targets (e.g. a kernel module their kernel lacks).
  const depends = w.depends
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => typeof d === 'string' || ((!d['tc-version'] || d['tc-version'].includes(target.tcVersion)) && (!d.arch || d.arch.includes(target.arch))));

  const recipe: Recipe = {
    name: w.name,
    version: w.version,
    file: map.file,
    info: {
      title: `${w.name}.tcz`,
      description: w.description,
      version: w.version,
      author: w.author,
      originalSite: w['original-site'],
      copyingPolicy: w['copying-policy'],
      extensionBy: w['extension-by'],
      tags: w.tags,
      comments: w.comments,
      changeLog: w['change-log'] ?? `${w.version}: built by tczbuild`,
    },
    vars,
    depends: depends.map(({ d, i }) => bareName(sub(typeof d === 'string' ? d : d.name, typeof d === 'string' ? ['depends', i] : ['depends', i, 'name']))),
    dependsAt: depends.map(({ i }) => map.at(['depends', i])),
    sources,
    overlays: w.overlays,
    overlaysAt: w.overlays.map((_, i) => map.at(['overlays', i])),
    files: w.files.map((f, i) => ({
      pattern: sub(f.path, ['files', i, 'path']).replace(/^\/+/, ''),
      mode: mode(f.mode),
      uid: uid(f.owner),
      gid: gid(f.group),
      at: map.at(['files', i]),
    })),
    directories: w.directories.map((d, i) => ({
      path: imagePath(d.path, ['directories', i, 'path']),
      mode: mode(d.mode),
      uid: uid(d.owner),
      gid: gid(d.group),
      at: map.at(['directories', i]),
    })),
    symlinks: w.symlinks.map((l, i) => ({
      path: imagePath(l.path, ['symlinks', i, 'path']),
      target: sub(l.target, ['symlinks', i, 'target']),
      at: map.at(['symlinks', i]),
    })),
    runtimePaths: w['runtime-paths'].map((p, i) => sub(p, ['runtime-paths', i]).replace(/^\/+/, '').replace(/\/+$/, '')),
    runtimePathsAt: w['runtime-paths'].map((_, i) => map.at(['runtime-paths', i])),
    ...(w['max-unpacked-size'] !== undefined ? { maxUnpackedBytes: parseSize(w['max-unpacked-size']) } : {}),
    allowEmpty: w['allow-empty'],
    written: w,
    positionOf: (path) => map.at(path),
  };
  return { recipe, diagnostics };
}

/** `containerd.tcz` and `containerd` name the same extension; we keep the bare name. */
export function bareName(dep: string): string {
  return dep.trim().replace(/\.tcz$/, '');
}

interface SourceContext {
  sub(text: string, path: KeyPath): string;
  imagePath(raw: string, path: KeyPath, allowEmpty?: boolean): string;
  mode(m: string | undefined): number | undefined;
  map: SourceMap;
  diagnostics: Diagnostic[];
}

function normalizeSource(s: WrittenSource, i: number, ctx: SourceContext): SourceSpec | undefined {
  // Userinfo in a URL is split off here so it never reaches a message, a log or out/.
  const { url, credentials } = splitUserinfo(ctx.sub(s.url, ['sources', i, 'url']));
  const at = ctx.map.at(['sources', i]);
  const id = s.id ?? basename(url);
  const base = { id, url, ...(credentials ? { credentials } : {}), sha256: s.sha256 === 'unpinned' ? null : s.sha256, hashAt: ctx.map.at(['sources', i, 'sha256']), at };
  if (s.extract && s.install) {
    ctx.diagnostics.push(diag('invalid-value', at, `source "${id}" has both extract: and install:; a source is either an archive or a single file`));
    return undefined;
  }
  if (s.install) {
    return { ...base, kind: 'file', install: { to: ctx.imagePath(s.install.to, ['sources', i, 'install', 'to']), mode: ctx.mode(s.install.mode) } };
  }
  if (s.extract || archiveSuffix.test(url)) {
    const e = s.extract ?? { strip: 0, into: '' };
    return {
      ...base,
      kind: 'archive',
      extract: {
        strip: e.strip,
        into: ctx.imagePath(e.into, ['sources', i, 'extract', 'into'], true),
        include: e.include,
        exclude: e.exclude,
        ...(e['max-size'] !== undefined ? { maxBytes: parseSize(e['max-size']) } : {}),
      },
    };
  }
  ctx.diagnostics.push(
    diag('missing-key', at, `source "${id}" needs extract: (for a tar or zip archive) or install: {to: PATH} (for a single file)`),
  );
  return undefined;
}

function basename(url: string): string {
  const clean = url.split(/[?#]/)[0] ?? url;
  const last = clean.split('/').filter(Boolean).pop() ?? 'source';
  return last.toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '') || 'source';
}
