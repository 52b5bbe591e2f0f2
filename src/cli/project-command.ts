/**
 * ProjectCommand: the options every recipe-driven command shares (where recipes, overlays,
 * the cache and out/ are; which targets), merged with tczbuild.yaml: a flag wins over the
 * file, the file over the built-in default. Paths resolve against the cwd (flags) or the
 * config file's directory (file).
 */
import { resolve } from 'node:path';
import { Option } from 'clipanion';
import type { Target } from '../recipe/model.js';
import { BaseCommand } from './base-command.js';
import { tinyCoreArches } from '../recipe/arch.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveSettings, type Settings } from '../config/settings.js';

export abstract class ProjectCommand extends BaseCommand {
  config = Option.String('--config', { description: 'project config file (default: tczbuild.yaml here or in a parent directory)' });
  recipes = Option.String('--recipes', { description: 'directory holding NAME.yaml recipes (default: recipes)' });
  overlays = Option.String('--overlays', { description: 'directory holding rootfs overlays (default: rootfs-overlays beside the recipes directory)' });
  out = Option.String('--out', { description: 'output directory: the tce mirror tree (default: out)' });
  cache = Option.String('--cache', { description: 'content-addressed download cache (default: $XDG_CACHE_HOME/tczbuild or ~/.cache/tczbuild)' });
  tcVersion = Option.String('--tc-version', { description: 'TinyCore major version (the 11 in 11.x) (default: 11)' });
  arch = Option.String('--arch', { description: `TinyCore arch directory: ${tinyCoreArches.join(', ')} (default: x86_64)` });
  targetFlags = Option.Array('--target', [], { description: 'VERSION.x/ARCH to work on, e.g. 15.x/aarch64 (repeatable; default: targets: in tczbuild.yaml, else 11.x/x86_64)' });

  /** Set by commands that take mirrors on the command line. */
  declare sourceMirrors?: string[];
  declare registryMirrors?: string[];
  declare upstream?: string;
  declare remoteCache?: string;

  private loadedConfig: LoadedConfig | undefined;
  private resolved: Settings | undefined;

  protected override async prepare(): Promise<void> {
    this.loadedConfig = await loadConfig({ cwd: this.context.cwd, env: this.context.env, explicit: this.config, displayBase: this.context.cwd });
  }

  /** Effective settings with their origins (after prepare(), i.e. inside run()). */
  protected settings(): Settings {
    this.resolved ??= resolveSettings(
      {
        recipes: this.recipes,
        overlays: this.overlays,
        out: this.out,
        cache: this.cache,
        tcVersion: this.tcVersion,
        arch: this.arch,
        targets: this.targetFlags,
        sourceMirrors: this.sourceMirrors,
        registryMirrors: this.registryMirrors,
        upstream: this.upstream,
        remoteCache: this.remoteCache,
      },
      this.loadedConfig,
      this.context.cwd,
      this.context.env,
    );
    return this.resolved;
  }

  protected resolvePath(p: string): string {
    return resolve(this.context.cwd, p);
  }

  /** Every target this run works on, in order. */
  protected targets(): readonly Target[] {
    return this.settings().targets.value;
  }

  /** The target of a command that works on one: the first configured. */
  protected target(): Target {
    return this.targets()[0]!;
  }

  protected recipesDir(): string {
    return this.settings().recipes.value;
  }

  protected overlaysDir(): string {
    return this.settings().overlays.value;
  }

  protected outDir(): string {
    return this.settings().out.value;
  }

  /** Source mirrors: URLs as given, directories resolved (flags against the cwd, the file against itself). */
  protected sourceMirrorList(): string[] {
    return [...this.settings().sourceMirrors.value];
  }

  /** Registry mirrors as a host → base URL map. */
  protected registryMirrorMap(): Record<string, string> {
    return { ...this.settings().registryMirrors.value };
  }

  protected cacheDir(): string {
    return this.settings().cache.value;
  }
}
