/**
 * Checks for what a booted TinyCore box itself refuses or breaks on, beyond the file format:
 * a squashfs compressor its kernel reads (gzip), install hooks BusyBox ash can run (shebang, no
 * CR, `busybox ash -n` clean), commands users can run (bin/ and sbin/ files o+rx), files users can
 * read (no 0600/0700 unless the recipe says so), symlinks that lead somewhere on the box, and
 * opt/ (which TinyCore may keep as a persistent, setgid staff directory). Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import { matchGlob } from '../../../recipe/paths.js';
import type { Check, ExtensionFiles, VerifyContext } from '../types.js';
import { boxView, someOf } from './box-view.js';

function perImage(id: string, description: string, inspect: (e: ExtensionFiles, ctx: VerifyContext) => Diagnostic[]): Check {
  return { id, description, run: (ctx) => ctx.extensions.filter((e) => !e.image.error).flatMap((e) => inspect(e, ctx)) };
}

export const compressionCheck = perImage('compression', 'squashfs compressed with gzip (what every TinyCore kernel reads)', (e) =>
  e.image.compression !== undefined && e.image.compression !== 'gzip'
    ? [diag('tcz-compression', { file: e.file }, `${e.name} is compressed with ${e.image.compression}; TinyCore kernels are only sure to mount gzip squashfs`)]
    : [],
);

export const hooksCheck = perImage('hooks', 'install hooks start with a shebang, have no CR and pass `busybox ash -n`', (e) => {
  const out: Diagnostic[] = [];
  for (const [path, text] of e.image.hookTexts) {
    if (text === '') continue; // an empty marker file is not run
    if (!text.startsWith('#!')) out.push(diag('tcz-hook-shebang', { file: e.file }, `${path} has no #! line: tce-load runs it with sh, other tools exec it directly and fail`));
    if (text.includes('\r')) out.push(diag('tcz-hook-crlf', { file: e.file }, `${path} has CR characters: BusyBox ash reads "\\r" as part of each command`));
    const syntax = e.image.hookSyntaxErrors?.get(path);
    if (syntax !== undefined) out.push(diag('tcz-hook-syntax', { file: e.file }, `${path} fails \`busybox ash -n\`: ${syntax}`));
  }
  return out;
});

const commandDir = /^(usr\/(local\/)?)?s?bin\/[^/]+$/;

export const commandModesCheck = perImage('command-modes', 'commands under bin/ and sbin/ are executable and readable by everyone', (e) => {
  // a command: executable by its owner; others must be able to read and run it too (a data file
  // beside the commands, 0644, is not one)
  const bad = e.image.entries.filter((x) => x.type === 'file' && commandDir.test(x.path) && (x.mode & 0o111) !== 0 && (x.mode & 0o555) !== 0o555 && !e.privateAllowed?.some((g) => matchGlob(g, x.path)));
  return bad.length ? [diag('tcz-command-mode', { file: e.file }, `commands a tc user cannot run: ${someOf(bad.map((x) => `${x.path} (0${(x.mode & 0o7777).toString(8)})`))}`)] : [];
});

export const privateFilesCheck = perImage('private-files', 'no file a tc user cannot read, unless the recipe says so', (e) => {
  const bad = e.image.entries.filter((x) => x.type === 'file' && (x.mode & 0o004) === 0 && !x.path.startsWith('usr/local/tce.installed') && !(commandDir.test(x.path) && (x.mode & 0o111) !== 0) && !e.privateAllowed?.some((g) => matchGlob(g, x.path)));
  return bad.length ? [diag('tcz-private-file', { file: e.file }, `files other users cannot read: ${someOf(bad.map((x) => `${x.path} (0${(x.mode & 0o7777).toString(8)})`))}`)] : [];
});

export const symlinksCheck = perImage('symlinks', 'every symlink leads to a path the box has (the extension, its deps, the base system)', (e, ctx) => {
  const links = e.image.entries.filter((x) => x.type === 'symlink' && x.target !== undefined);
  if (links.length === 0) return [];
  const view = boxView(ctx, e, e.runtimePaths);
  const dangling = links.filter((x) => !view.exists(x.target!.startsWith('/') ? x.target! : `/${x.path.slice(0, x.path.lastIndexOf('/'))}/${x.target!}`));
  if (dangling.length === 0) return [];
  const shown = someOf(dangling.map((x) => `${x.path} -> ${x.target!}`));
  return view.absentDeps.length
    ? [diag('tcz-symlink-unverified', { file: e.file }, `symlinks leading nowhere in this mirror: ${shown}; they may resolve into ${someOf(view.absentDeps)}, which this mirror does not hold`)]
    : [diag('tcz-dangling-symlink', { file: e.file }, `symlinks leading nowhere on the box: ${shown}`)];
});

export const optCheck = perImage('opt', 'shipping opt/ (TinyCore may keep /opt persistent, root:staff 2775)', (e) => {
  const under = e.image.entries.filter((x) => x.path.startsWith('opt/') && x.path.split('/').length === 2);
  if (under.length === 0 && !e.image.entries.some((x) => x.path === 'opt')) return [];
  return [
    diag(
      'tcz-ships-opt',
      { file: e.file },
      `${e.name} ships opt/ (${someOf(under.map((x) => `${x.path}${x.type === 'dir' ? '/' : ''}`))}): tce-load links these into the box's /opt, taking over whatever the user keeps there under the same names, and /opt may be a persistent directory (tc-config makes it root:staff, g+s when persistent)`,
    ),
  ];
});
