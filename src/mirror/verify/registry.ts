/**
 * The registry of verify checks, in report order. Adding a check is one module and one line
 * here. Pure.
 */
import { md5Check } from './checks/companions-md5.js';
import { depCycleCheck, depRedundantCheck, depResolveCheck } from './checks/dep-graph.js';
import { depFormatCheck } from './checks/dep-format.js';
import { appendedCheck, blockSizeCheck, elfArchCheck, emptyCheck, licenseCheck, rootsCheck, runtimePathsCheck, unreadableCheck } from './checks/image-content.js';
import { elfInterpreterCheck } from './checks/elf-interpreter.js';
import { baseDirsCheck, modesCheck, ownershipCheck, setuidCheck } from './checks/image-ownership.js';
import { indexesCheck } from './checks/indexes.js';
import { infoCheck } from './checks/info.js';
import { commandModesCheck, compressionCheck, hooksCheck, optCheck, privateFilesCheck, symlinksCheck } from './checks/box-rules.js';
import { glibcFloorCheck, neededLibsCheck, unstrippedCheck } from './checks/elf-libs.js';
import { kernelModulesCheck } from './checks/kernel-modules.js';
import { listCheck } from './checks/list.js';
import type { Check } from './types.js';

export const checks: readonly Check[] = [
  md5Check,
  depFormatCheck,
  depResolveCheck,
  depCycleCheck,
  depRedundantCheck,
  listCheck,
  infoCheck,
  indexesCheck,
  unreadableCheck,
  blockSizeCheck,
  compressionCheck,
  appendedCheck,
  emptyCheck,
  ownershipCheck,
  baseDirsCheck,
  modesCheck,
  setuidCheck,
  runtimePathsCheck,
  rootsCheck,
  elfArchCheck,
  elfInterpreterCheck,
  glibcFloorCheck,
  neededLibsCheck,
  unstrippedCheck,
  hooksCheck,
  commandModesCheck,
  privateFilesCheck,
  symlinksCheck,
  kernelModulesCheck,
  optCheck,
  licenseCheck,
];

/** Checks that judge one extension at a time (what build runs before publishing); the rest judge the mirror as a whole. */
export const perExtensionCheckIds: ReadonlySet<string> = new Set(checks.map((c) => c.id).filter((id) => !['indexes', 'dep-resolve', 'dep-cycle', 'dep-redundant'].includes(id)));
