/**
 * What a box will have once an extension is installed, as far as the mirror can tell: the files
 * of the extension and of every extension its `.dep` closure pulls in from this mirror, the links
 * their install hooks make (`box_link`), and TinyCore's base system for the target (base
 * directories, the loader, base libraries from src/tinycore/releases.ts). Dependencies the mirror
 * does not hold (upstream ones) are named, so a check can say "cannot tell" instead of guessing.
 * Pure.
 */
import { baseDirs, baseLoaders } from '../../../tinycore/base-system.js';
import { parseBoxLinks } from '../../../tinycore/box-links.js';
import { findRelease, type TinyCoreRelease } from '../../../tinycore/releases.js';
import { reachable } from '../dep-walk.js';
import type { ExtensionFiles, ImageEntry, VerifyContext } from '../types.js';

interface Link {
  readonly path: string;
  readonly target: string;
}

export interface BoxView {
  /** The extension and the extensions of its `.dep` closure this mirror holds. */
  readonly scope: readonly ExtensionFiles[];
  /** Dependencies (closure) the mirror does not hold: their files are unknown here. */
  readonly absentDeps: readonly string[];
  /** Does this absolute path exist on the box (following image symlinks and hook links)? */
  exists(path: string): boolean;
  /** Basenames of every file and symlink of the scope under a lib directory. */
  readonly libNames: ReadonlySet<string>;
}

/** The release entry of the directory's target, when its version and arch are known. */
export function releaseOf(ctx: VerifyContext): TinyCoreRelease | undefined {
  return ctx.tcVersion && ctx.arch ? findRelease(ctx.tcVersion, ctx.arch) : undefined;
}

/** Directories whose content the box makes at run time: a link into them is not judged. */
const runtimeRoots = ['/tmp', '/run', '/var', '/proc', '/sys', '/dev', '/home', '/mnt', '/root'];
/**
 * BusyBox applets and base commands are not listed one by one: a link into these directories
 * is taken as naming a base command (docs/tinycore-releases.md says so).
 */
const commandRoots = ['/bin', '/sbin', '/usr/bin', '/usr/sbin'];

export function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

export function dependencyClosure(ctx: VerifyContext, root: string): { local: ExtensionFiles[]; absent: string[] } {
  const byName = new Map([...ctx.extensions, ...(ctx.others ?? [])].map((e) => [e.name, e]));
  const seen = reachable([root], (name) => ctx.knownDeps.get(name) ?? byName.get(name)?.depText?.split('\n').map((l) => l.trim()).filter(Boolean) ?? []);
  const local = [...seen].flatMap((n) => byName.get(n) ?? []);
  const absent = [...seen].filter((n) => !byName.has(n));
  return { local, absent };
}

export function boxView(ctx: VerifyContext, e: ExtensionFiles, extraPaths: readonly string[] = []): BoxView {
  const { local, absent } = dependencyClosure(ctx, e.name);
  const release = releaseOf(ctx);
  const entries = new Map<string, ImageEntry>();
  for (const x of local) for (const y of x.image.entries) if (y.path !== '') entries.set(`/${y.path}`, y);
  const base = new Set<string>(['/', ...baseDirs.map((d) => `/${d.path}`), '/bin/busybox', '/bin/sh', '/bin/ash']);
  for (const l of (ctx.arch ? baseLoaders[ctx.arch] : undefined) ?? []) base.add(l);
  for (const lib of release?.baseLibs ?? []) base.add(`/lib/${lib}`);
  for (const p of extraPaths) base.add(normalise(`/${p}`));
  const links: Link[] = local.flatMap((x) => [...x.image.hookTexts.values()].flatMap(parseBoxLinks));

  const resolve = (path: string, depth: number): boolean => {
    if (depth > 16) return false;
    const p = normalise(path);
    if (base.has(p) || runtimeRoots.some((r) => p === r || p.startsWith(`${r}/`))) return true;
    if (commandRoots.some((r) => dirOf(p) === r)) return true;
    const entry = entries.get(p);
    if (entry) return entry.type !== 'symlink' || resolve(entry.target!.startsWith('/') ? entry.target! : `${dirOf(p)}/${entry.target!}`, depth + 1);
    // a parent directory may be a link (image symlink or hook link): rewrite through it
    const parts = p.split('/');
    for (let i = parts.length - 1; i > 1; i--) {
      const prefix = parts.slice(0, i).join('/');
      const rest = parts.slice(i).join('/');
      const link = entries.get(prefix);
      if (link?.type === 'symlink') return resolve(`${link.target!.startsWith('/') ? link.target! : `${dirOf(prefix)}/${link.target!}`}/${rest}`, depth + 1);
      const hook = links.find((l) => normalise(l.path) === prefix);
      if (hook) return resolve(`${hook.target.startsWith('/') ? hook.target : `${dirOf(prefix)}/${hook.target}`}/${rest}`, depth + 1);
    }
    const hook = links.find((l) => normalise(l.path) === p);
    if (hook) return resolve(hook.target.startsWith('/') ? hook.target : `${dirOf(p)}/${hook.target}`, depth + 1);
    return false;
  };

  const libNames = new Set<string>();
  for (const [p, y] of entries) if (y.type !== 'dir' && /\/lib(64|32)?\//.test(p)) libNames.add(p.slice(p.lastIndexOf('/') + 1));
  return { scope: local, absentDeps: absent, exists: (p) => resolve(p, 0), libNames };
}

/** "a, b, c (+N more)" */
export function someOf(items: readonly string[], n = 5): string {
  return `${items.slice(0, n).join(', ')}${items.length > n ? ` (+${items.length - n} more)` : ''}`;
}
