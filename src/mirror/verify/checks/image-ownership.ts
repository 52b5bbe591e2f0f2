/**
 * Checks on owners and modes inside each image: a directory TinyCore's base system already has
 * (opt/, tmp/, usr/local/tce.installed, ...) carries exactly its live owner and mode; the
 * single hook in tce.installed (named after the extension) root:staff 0775; every other path
 * root:root; other directories 0755; nothing world-writable; no setuid/setgid unless allowed.
 * tce-load copies directory owners and modes onto the live system, so these are not cosmetic. Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import { matchGlob } from '../../../recipe/paths.js';
import { baseDir, ownerMode } from '../../../tinycore/base-system.js';
import type { Check, ExtensionFiles, ImageEntry } from '../types.js';

const tceInstalled = 'usr/local/tce.installed';
const staffGid = 50;

function isHookArea(path: string): boolean {
  return path === tceInstalled || path.startsWith(`${tceInstalled}/`);
}

/** A directory the base-dirs check judges against the live system instead of the root:root 0755 rule. */
function isBaseDir(x: ImageEntry): boolean {
  return x.type === 'dir' && baseDir(x.path) !== undefined;
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function listed(paths: string[]): string {
  return `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` (+${paths.length - 5} more)` : ''}`;
}

function perImage(id: string, description: string, inspect: (e: ExtensionFiles) => Diagnostic[]): Check {
  return { id, description, run: (ctx) => ctx.extensions.filter((e) => !e.image.error).flatMap(inspect) };
}

function tceInstalledProblems(e: ExtensionFiles, x: ImageEntry): string | undefined {
  if (x.path === tceInstalled) return undefined; // judged by the base-dirs check
  const bare = e.name.replace(/\.tcz$/, '');
  const okMode = x.type === 'dir' ? [0o775, 0o2775] : [0o775];
  if (x.path !== tceInstalled && x.path !== `${tceInstalled}/${bare}`) return `${x.path} is not the hook ${tceInstalled}/${bare}`;
  if (x.uid !== 0 || x.gid !== staffGid || !okMode.includes(x.mode & 0o7777)) return `${x.path} is ${x.uid}:${x.gid} ${octal(x.mode)}`;
  return undefined;
}

export const ownershipCheck = perImage('ownership', 'root:root everywhere, tce.installed root:staff 0775', (e) => {
  const out: Diagnostic[] = [];
  // a file a recipe's files: entry deliberately gives an owner or group (never a directory: tce-load re-owns the live one)
  const declared = (x: ImageEntry): boolean => x.type === 'file' && (e.ownerAllowed ?? []).some((g) => matchGlob(g, x.path));
  const notRoot = e.image.entries.filter((x) => !isHookArea(x.path) && !isBaseDir(x) && x.type !== 'symlink' && (x.uid !== 0 || x.gid !== 0) && !declared(x));
  if (notRoot.length) out.push(diag('tcz-owner', { file: e.file }, `not root:root: ${listed(notRoot.map((x) => `${x.path || '/'} (${x.uid}:${x.gid})`))}`));
  const hookProblems = e.image.entries.filter((x) => isHookArea(x.path) && x.type !== 'symlink').flatMap((x) => tceInstalledProblems(e, x) ?? []);
  if (hookProblems.length) out.push(diag('tcz-tce-installed', { file: e.file }, hookProblems.join('; ')));
  return out;
});

export const modesCheck = perImage('modes', 'directories 0755, nothing world-writable', (e) => {
  const out: Diagnostic[] = [];
  const dirs = e.image.entries.filter((x) => x.type === 'dir' && !isHookArea(x.path) && !isBaseDir(x) && (x.mode & 0o7777) !== 0o755);
  if (dirs.length) out.push(diag('tcz-dir-mode', { file: e.file }, `directories not 0755: ${listed(dirs.map((x) => `${x.path || '/'} (${octal(x.mode)})`))}`));
  const writable = e.image.entries.filter((x) => x.type !== 'symlink' && !isBaseDir(x) && (x.mode & 0o002) !== 0);
  if (writable.length) out.push(diag('tcz-world-writable', { file: e.file }, `world-writable: ${listed(writable.map((x) => `${x.path || '/'} (${octal(x.mode)})`))}`));
  return out;
});

export const setuidCheck = perImage('setuid', 'no setuid/setgid files unless allowed', (e) => {
  const bad = e.image.entries.filter(
    (x) => x.type !== 'dir' && x.type !== 'symlink' && (x.mode & 0o6000) !== 0 && !e.setuidAllowed.some((g) => matchGlob(g, x.path)),
  );
  return bad.length ? [diag('tcz-setuid', { file: e.file }, `setuid/setgid: ${listed(bad.map((x) => `${x.path} (${octal(x.mode)})`))}`)] : [];
});

export const baseDirsCheck = perImage('base-dirs', "directories of TinyCore's base system keep their live owner and mode", (e) => {
  const taken = e.image.entries.flatMap((x) => {
    const b = x.type === 'dir' ? baseDir(x.path) : undefined;
    if (!b || (x.uid === b.uid && x.gid === b.gid && b.liveModes.includes(x.mode & 0o7777))) return [];
    return [`${x.path || '.'}/ is ${ownerMode(x.uid, x.gid, x.mode)} but the box's /${x.path} is ${ownerMode(b.uid, b.gid, b.mode)}`];
  });
  return taken.length ? [diag('tcz-base-dir', { file: e.file }, `tce-load would re-own base-system directories: ${taken.join('; ')}`)] : [];
});
