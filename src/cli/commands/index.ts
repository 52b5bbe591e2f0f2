/**
 * Every CLI command class, by the first word of its path and loaded on demand: a run loads and
 * registers only the commands its first word names (the no-op build is timed in milliseconds),
 * while help, version and unknown words get all of them. main.ts and the in-process test
 * harness both go through loadCommands().
 */
import type { CommandClass } from 'clipanion';
import type { TczContext } from '../base-command.js';

type Loader = () => Promise<Array<CommandClass<TczContext>>>;

export const commandsByWord: Readonly<Record<string, Loader>> = {
  all: async () => [(await import('./all.js')).AllCommand],
  build: async () => [(await import('./build.js')).BuildSomeCommand],
  lint: async () => [(await import('./lint.js')).LintCommand],
  fetch: async () => [(await import('./fetch.js')).FetchCommand],
  explain: async () => [(await import('./explain.js')).ExplainCommand],
  clean: async () => [(await import('./clean.js')).CleanCommand],
  pin: async () => [(await import('./pin.js')).PinCommand],
  bump: async () => [(await import('./bump.js')).BumpCommand],
  serve: async () => [(await import('./serve.js')).ServeCommand],
  verify: async () => [(await import('./verify.js')).VerifyCommand],
  index: async () => [(await import('./index-command.js')).IndexCommand],
  'kernel-config': async () => [(await import('./kernel-config-check.js')).KernelConfigCheckCommand, (await import('./kernel-config-emit.js')).KernelConfigEmitCommand],
  'core-scripts': async () => [(await import('./core-scripts.js')).CoreScriptsCommand],
  test: async () => [(await import('./test.js')).TestCommand],
  'kernel-module': async () => [(await import('./kernel-module-build.js')).KernelModuleBuildCommand],
  new: async () => [(await import('./new.js')).NewCommand],
  init: async () => [(await import('./init.js')).InitCommand],
  config: async () => [(await import('./config.js')).ConfigCommand],
  completion: async () => [(await import('./completion.js')).CompletionCommand],
};

/** The commands argv can reach: those of its first word when that is a command word, else all. */
export async function loadCommands(argv: readonly string[]): Promise<Array<CommandClass<TczContext>>> {
  const word = argv[0];
  const one = word !== undefined && Object.hasOwn(commandsByWord, word) ? commandsByWord[word] : undefined;
  if (one) return one();
  return (await Promise.all(Object.values(commandsByWord).map((load) => load()))).flat();
}
