/**
 * Pack built modules as a TinyCore kernel-module extension, NAME-<kernelrelease>.tcz, with the
 * module under usr/local/lib/modules/<kernelrelease>/kernel/<dir>/ (TinyCore runs depmod for
 * images with a modules directory) and the standard companions (.md5.txt, .info, .list; no
 * .dep: the module needs nothing else). Uses the builder's FileTable, packSquashfs and
 * companion renderers; it never calls mksquashfs itself.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FileTable, listedPaths } from '../builder/file-table.js';
import { packSquashfs, type PackedImage } from '../builder/pack.js';
import { renderInfo, renderList, renderMd5Txt } from '../builder/companions.js';
import type { InfoFields } from '../recipe/model.js';
import type { Env } from '../util/exec.js';
import { stripDebug } from './module-build.js';
import { moduleImagePath, type ModuleToBuild } from './module-plan.js';

export interface PackModulesInput {
  readonly extension: string;
  readonly kernelRelease: string;
  readonly modules: ReadonlyMap<ModuleToBuild, string>;
  readonly workDir: string;
  readonly outDir: string;
  readonly epoch: number;
  readonly baseConfigName: string;
  /** The kernel's license texts from the source tree (COPYING and the files it names), shipped as the extension's copyright notice. */
  readonly licenseFiles: ReadonlyArray<{ readonly from: string; readonly name: string }>;
  /** The run's environment, which strip and mksquashfs run in. */
  readonly env: Env;
}

export interface PackedModules {
  readonly tczName: string;
  readonly files: readonly string[];
  readonly image: PackedImage;
  readonly paths: readonly string[];
}

export async function packModules(i: PackModulesInput): Promise<PackedModules> {
  const stageDir = join(i.workDir, `stage-${i.extension}`);
  const table = new FileTable();
  for (const [m, ko] of i.modules) {
    const rel = moduleImagePath(i.kernelRelease, m);
    await mkdir(dirname(join(stageDir, rel)), { recursive: true });
    await stripDebug(ko, join(stageDir, rel), i.env);
    table.set(rel, { type: 'file', mode: 0o644, uid: 0, gid: 0, origin: `kernel-module ${m.module}` });
  }
  const tczName = `${i.extension}-${i.kernelRelease}.tcz`;
  // TinyCore's extension guidelines and our own verify want a notice under usr/local/share/doc/NAME.
  const docDir = `usr/local/share/doc/${i.extension}-${i.kernelRelease}`;
  for (const l of i.licenseFiles) {
    const rel = `${docDir}/${l.name}`;
    await mkdir(dirname(join(stageDir, rel)), { recursive: true });
    await copyFile(l.from, join(stageDir, rel));
    table.set(rel, { type: 'file', mode: 0o644, uid: 0, gid: 0, origin: `kernel source ${l.name}` });
  }
  // Pack in the work directory (the packer leaves its pseudo file beside the image), then copy out.
  const pubDir = join(i.workDir, `pub-${i.extension}`);
  await mkdir(pubDir, { recursive: true });
  const built = await packSquashfs({ stageDir, table, outFile: join(pubDir, tczName), epoch: i.epoch, env: i.env });
  await mkdir(i.outDir, { recursive: true });
  const tczPath = join(i.outDir, tczName);
  await copyFile(built.path, tczPath);
  const image = { ...built, path: tczPath };
  const companions: Array<[string, string]> = [
    ['.md5.txt', renderMd5Txt(tczName, image.md5)],
    ['.info', renderInfo(moduleInfo(i, tczName), image.size)],
    ['.list', renderList(listedPaths(table))],
  ];
  const files = [tczPath];
  for (const [suffix, content] of companions) {
    await writeFile(`${tczPath}${suffix}`, content);
    files.push(`${tczPath}${suffix}`);
  }
  return { tczName, files, image, paths: listedPaths(table) };
}

function moduleInfo(i: PackModulesInput, tczName: string): InfoFields {
  const names = [...i.modules.keys()].map((m) => `${m.module}.ko`).join(', ');
  return {
    title: tczName,
    description: `${names} for Linux ${i.kernelRelease}`,
    version: i.kernelRelease,
    author: 'Linux kernel developers',
    originalSite: 'https://www.kernel.org/',
    copyingPolicy: 'GPL-2.0',
    extensionBy: 'tczbuild',
    tags: ['kernel', 'module', i.extension],
    comments: `Built by tczbuild kernel-module build from the kernel source against ${i.baseConfigName}.\nLoad with: modprobe ${[...i.modules.keys()].map((m) => m.module).join(' ')}`,
    changeLog: `${i.kernelRelease}: built by tczbuild`,
  };
}
