/** `tczbuild completion bash|zsh`: print a shell completion script built from every command's options. */
import { Option, UsageError } from 'clipanion';
import { BaseCommand } from '../base-command.js';
import { bashCompletion, zshCompletion, type CompletableCommand } from '../completion.js';
import { optionFacts } from '../help.js';

/** Commands whose positional words are recipe names. */
const recipeWords = new Set(['build', 'fetch', 'explain', 'pin']);

export class CompletionCommand extends BaseCommand {
  static override paths = [['completion']];
  static override usage = BaseCommand.Usage({
    description: 'print a shell completion script',
    details: 'Completes command words, options, `--arch` values, directories and recipe names.',
    examples: [
      ['Enable completion in the current bash', 'eval "$($0 completion bash)"'],
      ['Install it for zsh (a directory on $fpath)', '$0 completion zsh > ~/.zfunc/_tczbuild'],
    ],
  });

  shell = Option.String();

  async execute(): Promise<number> {
    return this.run(async () => {
      if (this.shell !== 'bash' && this.shell !== 'zsh') throw new UsageError(`completion takes bash or zsh, not "${this.shell}"`);
      const { loadCommands } = await import('./index.js');
      const commands: CompletableCommand[] = [];
      for (const klass of await loadCommands([])) {
        for (const path of klass.paths ?? []) {
          const options = optionFacts(klass).flatMap((f) => f.names);
          commands.push({ path, options, takesRecipes: recipeWords.has(path[0]!) });
        }
      }
      this.context.stdout.write(this.shell === 'bash' ? bashCompletion(commands) : zshCompletion(commands));
    });
  }
}
