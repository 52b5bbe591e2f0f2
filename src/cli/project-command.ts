/**
 * ProjectCommand: the options every recipe-driven command shares (where recipes, overlays,
 * the cache and out/ are; which targets), merged with tczbuild.yaml: a flag wins over the
 * file, the file over the built-in default. Paths resolve against the cwd (flags) or the
 * config file's directory (file).
 */
import { resolve } from 'node:path';
import { Option, UsageError } from 'clipanion';
import type { Target } from '../recipe/model.js';
import { BaseCommand } from './base-command.js';
import { tinyCoreArches } from '../recipe/arch.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveSettings, targetName, type Settings } from '../config/settings.js';

/** The shared flags a command may refuse, by the property that holds each. */
export type SharedFlag = 'recipes' | 'overlays' | 'out' | 'cache' | 'targets' | 'upstream';
const flagNames: Readonly<Record<SharedFlag, string>> = { recipes: '--recipes', overlays: '--overlays', out: '--out', cache: '--cache', targets: '--target/--tc-version/--arch', upstream: '--upstream' };

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

  /**
   * Shared flags this command does not use, each with the reason: given on the command line it
   * is refused (exit 2) rather than silently ignored. From tczbuild.yaml it is simply not used.
   */
  protected refusedFlags(): Partial<Record<SharedFlag, string>> {
    return {};
  }

  protected override async prepare(): Promise<void> {
    const given: Record<SharedFlag, boolean> = {
      recipes: this.recipes !== undefined,
      overlays: this.overlays !== undefined,
      out: this.out !== undefined,
      cache: this.cache !== undefined,
      targets: this.tcVersion !== undefined || this.arch !== undefined || this.targetFlags.length > 0,
      upstream: this.upstream !== undefined,
    };
    for (const [flag, reason] of Object.entries(this.refusedFlags()) as Array<[SharedFlag, string]>) {
      if (given[flag]) throw new UsageError(`${this.path.join(' ')} does not take ${flagNames[flag]}: ${reason}`);
    }
    this.loadedConfig = await loadConfig({ cwd: this.context.cwd, env: this.context.env, explicit: this.config, displayBase: this.context.cwd });
    this.announceSettings();
  }

  /**
   * With --json (or --verbose), the settings this run uses, each with its origin, as one event:
   * what a script (and the table test) reads to know which out/, cache and targets were used.
   */
  private announceSettings(): void {
    if (!this.json && !this.verbose) return;
    const s = this.settings();
    const refused = this.refusedFlags();
    const used = <T>(key: SharedFlag, v: { value: T; origin: string }): { value: T; origin: string } | undefined => (refused[key] === undefined ? v : undefined);
    const settings = {
      config: s.configFile ?? null,
      recipes: used('recipes', s.recipes),
      overlays: used('overlays', s.overlays),
      out: used('out', s.out),
      cache: used('cache', s.cache),
      targets: used('targets', { value: s.targets.value.map(targetName), origin: s.targets.origin }),
      // only commands with an --upstream option use it
      upstream: Object.hasOwn(this, 'upstream') ? used('upstream', s.upstream) : undefined,
    };
    const line = Object.entries(settings)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify((v as { value: unknown }).value)}`)
      .join(' ');
    this.reporter().emit({ type: 'info', message: `settings: ${line}`, data: { settings } });
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
        logDir: this.logDirFlag(),
      },
      this.loadedConfig,
      this.context.cwd,
      this.context.env,
    );
    return this.resolved;
  }

  /** The command's --log-dir, for the commands that have one (test). */
  protected logDirFlag(): string | undefined {
    return undefined;
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
