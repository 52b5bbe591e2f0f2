/**
 * The clipanion Cli with the commands argv can reach, and runCli(): parse, run, and map errors to our exit
 * codes (clipanion alone returns 1 for everything, including usage errors). Used by the bin
 * entry and by tests, which pass their own streams.
 */
import type { Cli } from 'clipanion';
import type { TczContext } from './base-command.js';
import { loadCommands } from './commands/index.js';
import { ExitCode } from './exit-codes.js';
import { toolVersion } from '../util/version.js';
import { jsonReporter } from './report/stream-reporters.js';
import { HelpWordCommand, TczCli, VersionWordCommand } from './help.js';

export async function createCli(argv: readonly string[], enableColors = false): Promise<Cli<TczContext>> {
  const cli = new TczCli({ binaryLabel: 'tczbuild', binaryName: 'tczbuild', binaryVersion: toolVersion, enableColors });
  cli.register(HelpWordCommand);
  cli.register(VersionWordCommand);
  for (const c of await loadCommands(argv)) cli.register(c);
  return cli;
}

export async function runCli(argv: string[], context: TczContext): Promise<number> {
  const noColor = context.env.NO_COLOR !== undefined && context.env.NO_COLOR !== '';
  const cli = await createCli(argv, context.colorDepth > 1 && !noColor);
  let command;
  try {
    command = cli.process(argv, context);
  } catch (error) {
    // clipanion takes --help only before a command's positional words: `index out --help` shows index's help too
    const help = helpFor(cli, argv, context);
    if (help) return cli.run(help, context);
    context.stderr.write((await didYouMean(argv, error)) ?? cli.error(error));
    // A --json consumer still gets its one closing result event.
    if (argv.includes('--json')) {
      const stream = jsonReporter(context.stdout, argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' '));
      stream.emit({ type: 'result', error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
      stream.finish(ExitCode.usage);
    }
    return ExitCode.usage;
  }
  return cli.run(command, context);
}

/** The help command for the longest leading run of words that names a command, when argv asks for help; else undefined. */
function helpFor(cli: Cli<TczContext>, argv: readonly string[], context: TczContext): ReturnType<Cli<TczContext>['process']> | undefined {
  if (!argv.includes('--help') && !argv.includes('-h')) return undefined;
  const end = argv.findIndex((a) => a.startsWith('-'));
  const words = argv.slice(0, end < 0 ? argv.length : end);
  for (let k = Math.min(words.length, 2); k >= 1; k--) {
    try {
      return cli.process([...words.slice(0, k), '--help'], context);
    } catch {
      // not a command path of k words: try fewer
    }
  }
  return undefined;
}

/**
 * clipanion answers a mistyped command with every command there is, and a mistyped option with
 * the whole synopsis: name the one that was most likely meant instead. Undefined when there is
 * no close match, so clipanion's own text is shown.
 */
async function didYouMean(argv: readonly string[], error: unknown): Promise<string | undefined> {
  const message = error instanceof Error ? error.message : '';
  const { closest } = await import('../recipe/suggest.js');
  const { commandsByWord } = await import('./commands/index.js');
  if (/Command not found/.test(message)) {
    const word = argv.find((a) => !a.startsWith('-'));
    const meant = word === undefined ? undefined : closest(word, [...Object.keys(commandsByWord), 'help']);
    // the word is a command, the words after it are not what it takes: clipanion's own text says which
    return meant && meant !== word ? `tczbuild: unknown command "${word}"; did you mean "${meant}"? (tczbuild help lists them)\n` : undefined;
  }
  const option = /Unsupported option name \("([^"]+)"\)/.exec(message)?.[1];
  const load = argv[0] !== undefined && Object.hasOwn(commandsByWord, argv[0]) ? commandsByWord[argv[0]] : undefined;
  if (option === undefined || !load) return undefined;
  const { optionFacts } = await import('./help.js');
  const names = (await load()).flatMap((klass) => optionFacts(klass).flatMap((f) => f.names));
  const meant = closest(option, names.filter((n) => n.startsWith('--')));
  return meant ? `tczbuild ${argv[0]}: unknown option ${option}; did you mean ${meant}? (tczbuild ${argv[0]} --help lists them)\n` : undefined;
}
