/**
 * src/initd: turn a recipe's `services:` and `box-links:` into the files an extension ships for
 * them: one SysV script per service under usr/local/etc/init.d and the tce.installed hook. The
 * builder adds the result to the image's file table. Pure: no filesystem, no processes.
 */
import type { GeneratedFile } from '../util/generated-file.js';
import type { Recipe, Target } from '../recipe/model.js';
import type { WrittenService } from '../recipe/schema-services.js';
import { renderCgroupfsScript } from './cgroupfs.js';
import { initDir } from './common.js';
import { renderContainerdScript } from './containerd.js';
import { renderDaemonScript } from './daemon.js';
import { renderFaasdScript } from './faasd.js';
import { renderInstallHook } from './hook.js';

export { checkServices } from './check.js';
export { imageTarballPath } from './image-path.js';

/** tce.installed and its hooks are root:staff 0775 on TinyCore (staff is gid 50). */
const hookMode = 0o775;
const staffGid = 50;

export function generateInitFiles(recipe: Recipe, _target: Target): GeneratedFile[] {
  const services = recipe.written.services ?? {};
  const entries = Object.entries(services);
  const links = recipe.written['box-links'];
  const userHook = recipe.written.hooks?.installed;
  if (entries.length === 0 && links.length === 0 && userHook === undefined) return [];
  const scripts: GeneratedFile[] = entries.map(([name, s]) => ({
    path: `${initDir.slice(1)}/${name}`,
    content: renderService(name, recipe, s),
    mode: 0o755,
    uid: 0,
    gid: 0,
  }));
  const hook: GeneratedFile = {
    path: `usr/local/tce.installed/${recipe.name}`,
    content: renderInstallHook(recipe.name, services, links, userHook),
    mode: hookMode,
    uid: 0,
    gid: staffGid,
  };
  return [...scripts, hook];
}

function renderService(name: string, recipe: Recipe, s: WrittenService): string {
  switch (s.kind) {
    case 'cgroupfs':
      return renderCgroupfsScript(name, recipe.name, s);
    case 'containerd':
      return renderContainerdScript(name, recipe.name, s);
    case 'faasd':
      return renderFaasdScript(name, recipe.name, s, recipe.written.images ?? []);
    case 'daemon':
      return renderDaemonScript(name, recipe.name, s);
  }
}
