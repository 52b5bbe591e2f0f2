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
    context.stderr.write(cli.error(error));
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
