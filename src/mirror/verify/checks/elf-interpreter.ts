/**
 * Every dynamically linked ELF must name a program interpreter (PT_INTERP) that exists on the
 * target box: the base system's loader, a file of the extension or one of its dependencies in
 * the mirror, or a path reached through a link an install hook makes (`box_link PATH TARGET`,
 * from a recipe's box-links). Otherwise the kernel says "not found" for a binary that is there.
 * Pure.
 */
import { diag } from '../../../diagnostics/diagnostic.js';
import { parseBoxLinks } from '../../../tinycore/box-links.js';
import { baseLoaders } from '../../../tinycore/base-system.js';
import type { Check, ExtensionFiles, VerifyContext } from '../types.js';
import { dependencyClosure, normalise } from './box-view.js';

interface Link {
  readonly path: string;
  readonly target: string;
}

function hookLinks(e: ExtensionFiles): Link[] {
  return [...e.image.hookTexts.values()].flatMap(parseBoxLinks);
}

/** Rewrite the first link prefix of `path` into its target (relative targets from the link's directory). */
function throughLink(path: string, links: readonly Link[]): string | undefined {
  for (const l of links) {
    if (path !== l.path && !path.startsWith(`${l.path}/`)) continue;
    const base = l.target.startsWith('/') ? l.target : `${l.path.slice(0, l.path.lastIndexOf('/'))}/${l.target}`;
    return normalise(`${base}${path.slice(l.path.length)}`);
  }
  return undefined;
}

export const elfInterpreterCheck: Check = {
  id: 'elf-interpreter',
  description: "every ELF's program interpreter exists on the box (base loader, the extension and its deps, hook links)",
  run: (ctx) => {
    const loaders = ctx.arch ? baseLoaders[ctx.arch] : undefined;
    if (!loaders) return [];
    return ctx.extensions.flatMap((e) => {
      if (e.image.elfInterpreters.size === 0) return [];
      const scope = dependencyClosure(ctx, e.name).local;
      const present = new Set([...loaders, ...scope.flatMap((x) => x.image.entries.filter((y) => y.type !== 'dir').map((y) => `/${y.path}`))]);
      const links = scope.flatMap(hookLinks);
      const exists = (p: string, depth = 0): boolean => present.has(p) || (depth < 8 && ((q) => q !== undefined && exists(q, depth + 1))(throughLink(p, links)));
      const missing = [...e.image.elfInterpreters].filter(([, interp]) => !exists(normalise(interp)));
      if (missing.length === 0) return [];
      const byInterp = new Map<string, string[]>();
      for (const [path, interp] of missing) byInterp.set(interp, [...(byInterp.get(interp) ?? []), path]);
      return [...byInterp].map(([interp, paths]) =>
        diag(
          'tcz-elf-interpreter',
          { file: e.file },
          `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` (+${paths.length - 5} more)` : ''} ask${paths.length === 1 ? 's' : ''} for the loader ${interp}, which a TinyCore ${ctx.arch} box lacks (its loader is ${loaders.join(', ')})`,
          `declare the link in the recipe, e.g. box-links: [{ path: ${interp.slice(0, interp.lastIndexOf('/')) || '/'}, target: lib }] (the install hook makes it), or ship a static build`,
        ),
      );
    });
  },
};
