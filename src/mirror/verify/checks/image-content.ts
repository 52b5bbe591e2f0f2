/**
 * Checks on what each image contains: no path the software writes at run time (recipe
 * `runtime-paths` plus system files every box writes), nothing outside the allowed top-level
 * directories (and no top-level dot files, which tce-load never links), ELF files built for
 * the mirror's arch, and squashfs block size 4096. Pure.
 */
import { diag, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import { isUnder } from '../../../recipe/paths.js';
import { expectedElf, machineName, readElfIdent } from '../elf.js';
import type { Check, ExtensionFiles } from '../types.js';

/**
 * Top-level directories an extension may populate: the FHS roots TinyCore links into `/`.
 * Not allowed: dot files, `lib64` (submitqc flags it), `tmp`/`run`/`proc`/`sys`/`dev`/`home`
 * (RAM or kernel filesystems, or user data), and loose files at the top.
 */
export const allowedRoots: readonly string[] = ['bin', 'etc', 'lib', 'opt', 'sbin', 'usr', 'var'];

/** Paths every TinyCore box writes itself: shipping them read-only breaks the box. */
export const systemRuntimePaths: readonly string[] = ['etc/resolv.conf', 'etc/hosts', 'etc/hostname', 'etc/passwd', 'etc/group', 'etc/shadow', 'etc/mtab', 'var/run', 'var/lock'];

function perImage(id: string, description: string, inspect: (e: ExtensionFiles, ctxArch?: string) => Diagnostic[]): Check {
  return { id, description, run: (ctx) => ctx.extensions.filter((e) => !e.image.error).flatMap((e) => inspect(e, ctx.arch)) };
}

function listed(paths: string[]): string {
  return `${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ` (+${paths.length - 5} more)` : ''}`;
}

export const unreadableCheck: Check = {
  id: 'unreadable',
  description: 'the .tcz is a readable squashfs image',
  run: (ctx) => ctx.extensions.filter((e) => e.image.error).map((e) => diag('tcz-unreadable', { file: e.file }, `${e.name}: ${e.image.error}`)),
};

export const runtimePathsCheck = perImage('runtime-paths', 'no runtime-written paths shipped', (e) => {
  const declared = [...e.runtimePaths, ...systemRuntimePaths];
  const shipped = e.image.entries.filter((x) => x.path !== '' && declared.some((p) => isUnder(x.path, p)));
  // report the shallowest offending path of each declared runtime path
  const tops = shipped.filter((x) => !shipped.some((y) => y !== x && isUnder(x.path, y.path)));
  return tops.map((x) => diag('tcz-runtime-path', { file: e.file }, `${e.name} ships ${x.path}, which is written at run time`));
});

export const rootsCheck = perImage('roots', 'nothing outside the allowed top-level directories', (e) => {
  const bad = e.image.entries.filter((x) => x.path !== '' && !x.path.includes('/') && !(x.type === 'dir' && allowedRoots.includes(x.path)));
  return bad.length ? [diag('tcz-outside-roots', { file: e.file }, `top-level entries outside ${allowedRoots.join('/, ')}/: ${listed(bad.map((x) => x.path))}`)] : [];
});

export const elfArchCheck: Check = {
  id: 'elf-arch',
  description: 'ELF files match the mirror arch',
  run(ctx) {
    const want = ctx.arch ? expectedElf(ctx.arch) : undefined;
    if (!want) return [];
    return ctx.extensions.flatMap((e) => {
      if (e.image.elfError) return [diag('tcz-unreadable', { file: e.file }, `${e.name}: could not extract it to check ELF files: ${e.image.elfError}`)];
      const wrong: string[] = [];
      for (const [path, header] of e.image.elfHeaders) {
        const got = readElfIdent(header);
        if (got && (got.machine !== want.machine || got.bits !== want.bits)) wrong.push(`${path} (${machineName(got.machine)} ${got.bits}-bit)`);
      }
      return wrong.length
        ? [diag('tcz-elf-arch', { file: e.file }, `built for another arch than ${ctx.arch} (${machineName(want.machine)} ${want.bits}-bit): ${listed(wrong)}`)]
        : [];
    });
  },
};

export const blockSizeCheck = perImage('block-size', 'squashfs block size 4096', (e) =>
  e.image.blockSize === 4096 ? [] : [diag('tcz-block-size', { file: e.file }, `${e.name} has block size ${e.image.blockSize ?? 'unknown'}, TinyCore mounts with bs=4096`)],
);

export const appendedCheck = perImage('appended', 'no data appended to an old image (root entries named *_1)', (e) => {
  const appended = e.image.entries.filter((x) => x.path !== '' && !x.path.includes('/') && /_\d+$/.test(x.path));
  return appended.length ? [diag('tcz-appended', { file: e.file }, `root entries ${listed(appended.map((x) => x.path))} look like mksquashfs appended to an existing image`)] : [];
});

/** tce-load counts entries one and two levels deep; one or none makes it a meta-extension it unmounts. */
export const emptyCheck = perImage('empty', 'the image has files in it', (e) => {
  const shallow = e.image.entries.filter((x) => x.path !== '' && x.path.split('/').length <= 2);
  return shallow.length <= 1 ? [diag('tcz-empty', { file: e.file }, `${e.name} has ${shallow.length} entr${shallow.length === 1 ? 'y' : 'ies'} in its first two levels: tce-load treats it as empty`)] : [];
});

export const licenseCheck = perImage('license', 'a copyright notice under usr/local/share/doc/NAME', (e) => {
  const docDir = `usr/local/share/doc/${e.name.replace(/\.tcz$/, '')}/`;
  return e.image.entries.some((x) => x.type !== 'dir' && x.path.startsWith(docDir)) ? [] : [diag('tcz-no-license', { file: e.file }, `${e.name} has no file under ${docDir}`)];
});
