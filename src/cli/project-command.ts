/**
 * ProjectCommand: the options every recipe-driven command shares (where recipes, overlays,
 * the cache and out/ are; which TinyCore version and arch), resolved against the cwd.
 */
import { resolve } from 'node:path';
import { Option, UsageError } from 'clipanion';
import type { Target } from '../recipe/model.js';
import { BaseCommand } from './base-command.js';
import { defaultCacheDir } from '../util/cache-dir.js';
import { isTinyCoreArch, tinyCoreArches, unknownArchMessage } from '../recipe/arch.js';


export abstract class ProjectCommand extends BaseCommand {
  recipes = Option.String('--recipes', 'recipes', { description: 'directory holding NAME.yaml recipes' });
  overlays = Option.String('--overlays', { description: 'directory holding rootfs overlays (default: rootfs-overlays beside the recipes directory)' });
  out = Option.String('--out', 'out', { description: 'output directory: the tce mirror tree' });
  cache = Option.String('--cache', { description: 'content-addressed download cache (default: $XDG_CACHE_HOME/tczbuild or ~/.cache/tczbuild)' });
  tcVersion = Option.String('--tc-version', '11', { description: 'TinyCore major version (the 11 in 11.x)' });
  arch = Option.String('--arch', 'x86_64', { description: `TinyCore arch directory: ${tinyCoreArches.join(', ')}` });

  protected resolvePath(p: string): string {
    return resolve(this.context.cwd, p);
  }

  protected target(): Target {
    if (!/^\d+$/.test(this.tcVersion)) throw new UsageError(`--tc-version takes a TinyCore major version such as 11 or 15, not "${this.tcVersion}"`);
    if (!isTinyCoreArch(this.arch)) throw new UsageError(`--arch: ${unknownArchMessage(this.arch)}`);
    return { tcVersion: this.tcVersion, arch: this.arch };
  }

  protected recipesDir(): string {
    return this.resolvePath(this.recipes);
  }

  protected overlaysDir(): string {
    return this.overlays ? this.resolvePath(this.overlays) : resolve(this.recipesDir(), '..', 'rootfs-overlays');
  }

  protected outDir(): string {
    return this.resolvePath(this.out);
  }

  /** --source-mirror values: URLs as given, directories resolved against the cwd. */
  protected sourceMirrorList(values: readonly string[]): string[] {
    return values.map((m) => (/^[a-z]+:\/\//.test(m) ? m : this.resolvePath(m)));
  }

  /** --registry-mirror HOST=URL values as a host → base URL map. */
  protected registryMirrorMap(values: readonly string[]): Record<string, string> {
    return Object.fromEntries(values.map((m) => [m.slice(0, Math.max(0, m.indexOf('='))) || m, m.slice(m.indexOf('=') + 1)]));
  }

  protected cacheDir(): string {
    if (this.cache) return this.resolvePath(this.cache);
    return defaultCacheDir(this.context.env);
  }
}
