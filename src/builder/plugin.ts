/**
 * StagePlugin: how modules that own a recipe section (services → init scripts, images →
 * tarballs, kernel → config fragment) take part in a build without the builder knowing their
 * insides. Pure interface.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Reporter } from '../report/reporter.js';
import type { Recipe, Target } from '../recipe/model.js';
import type { RecipeRule } from '../recipe/rules.js';
import type { SourceCache } from './fetch/source-cache.js';
import type { GeneratedFile } from './types.js';
import type { NetworkSettings } from '../util/network-settings.js';

export interface GenerateContext {
  readonly cache: SourceCache;
  readonly workDir: string;
  readonly offline: boolean;
  readonly reporter: Reporter;
  readonly registryMirrors?: Readonly<Record<string, string>>;
  /** The run's proxies and private CA (image pulls). */
  readonly network: NetworkSettings;
}

export interface StagePlugin {
  readonly name: string;
  /** Checks run by load (and so by lint): warnings are listed, errors stop everything. */
  readonly rules?: readonly RecipeRule[];
  /** Reasons to refuse building a recipe at all (e.g. an unpinned image). */
  buildErrors?(recipe: Recipe): Diagnostic[];
  /** Named inputs this plugin adds to the build key; must be cheap (no network). */
  keyComponents?(recipe: Recipe, target: Target): Promise<Record<string, string>> | Record<string, string>;
  /** Files to add to the image. */
  generate?(recipe: Recipe, target: Target, ctx: GenerateContext): Promise<readonly GeneratedFile[]> | readonly GeneratedFile[];
  /** Extra files for out/ (relative path → content), computed over every recipe. */
  publishExtras?(recipes: readonly Recipe[]): Promise<ReadonlyArray<{ rel: string; content: string }>>;
  /** Runs over the assembled tcz directory before the swap (mirror indexes). */
  finalizeMirror?(tczDir: string): Promise<void>;
  /**
   * A fingerprint of what finalizeMirror reads besides the extensions (the upstream indexes it
   * merges): when it changes, the target is published again though no extension changed.
   */
  mirrorInputs?(): Promise<string>;
  /** Sections this plugin adds to NAME.tcz.build.json (the images it bundled and where they came from). */
  provenance?(recipe: Recipe, ctx: Omit<GenerateContext, 'workDir'>): Record<string, unknown>;
  /**
   * Findings over the assembled next mirror for the extensions about to be published (verify's
   * checks): an error stops the one swap. Runs after finalizeMirror; `--no-verify` skips it.
   */
  checkBeforePublish?(input: PublishCheckInput): Promise<readonly Diagnostic[]>;
}

export interface PublishCheckInput {
  /** The tcz directory of the assembled next mirror (indexes written). */
  readonly tczDir: string;
  readonly target: Target;
  /** File names (NAME.tcz) of the extensions this build publishes there. */
  readonly extensions: readonly string[];
  readonly recipesDir: string;
  /** Their recipes, parsed already: a check takes them from here instead of reading them again. */
  readonly recipes: readonly Recipe[];
  /** The run's environment, which a check's programs run in. */
  readonly env: NodeJS.ProcessEnv;
}
