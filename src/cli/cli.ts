/**
 * The clipanion Cli with the commands argv can reach, and runCli(): parse, run, and map errors to our exit
 * codes (clipanion alone returns 1 for everything, including usage errors). Used by the bin
 * entry and by tests, which pass their own streams.
 */
import { Builtins, Cli } from 'clipanion';
import type { TczContext } from './base-command.js';
import { loadCommands } from './commands/index.js';
import { ExitCode } from './exit-codes.js';
import { toolVersion } from '../util/version.js';

export async function createCli(argv: readonly string[], enableColors = false): Promise<Cli<TczContext>> {
  const cli = new Cli<TczContext>({ binaryLabel: 'tczbuild', binaryName: 'tczbuild', binaryVersion: toolVersion, enableColors });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const c of await loadCommands(argv)) cli.register(c);
  return cli;
}

export async function runCli(argv: string[], context: TczContext): Promise<number> {
  const cli = await createCli(argv, context.colorDepth > 1);
  let command;
  try {
    command = cli.process(argv, context);
  } catch (error) {
    context.stderr.write(cli.error(error));
    return ExitCode.usage;
  }
  return cli.run(command, context);
}
