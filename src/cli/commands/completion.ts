/** `tczbuild completion bash|zsh|fish`: print a shell completion script built from every command's options. */
import { Option, UsageError } from 'clipanion';
import { BaseCommand } from '../base-command.js';
import { bashCompletion, fishCompletion, zshCompletion, type CompletableCommand } from '../completion.js';
import { optionFacts } from '../help.js';

/** Commands whose positional words are recipe names. */
const recipeWords = new Set(['build', 'fetch', 'explain', 'pin', 'bump', 'test']);

export class CompletionCommand extends BaseCommand {
  static override paths = [['completion']];
  static override usage = BaseCommand.Usage({
    description: 'print a shell completion script',
    details: 'Completes command words, options, `--arch` values, directories and recipe names.',
    examples: [
      ['Enable completion in the current bash', 'eval "$($0 completion bash)"'],
      ['Install it for zsh (a directory on $fpath)', '$0 completion zsh > ~/.zfunc/_tczbuild'],
      ['Install it for fish', '$0 completion fish > ~/.config/fish/completions/tczbuild.fish'],
    ],
  });

  shell = Option.String();

  async execute(): Promise<number> {
    return this.run(async () => {
      const render = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion }[this.shell];
      if (!Object.hasOwn({ bash: 1, zsh: 1, fish: 1 }, this.shell) || !render) throw new UsageError(`completion takes bash, zsh or fish, not "${this.shell}"`);
      const { loadCommands } = await import('./index.js');
      const commands: CompletableCommand[] = [];
      for (const klass of await loadCommands([])) {
        for (const path of klass.paths ?? []) {
          const facts = optionFacts(klass);
          const options = facts.flatMap((f) => f.names);
          const valued = facts.filter((f) => f.arity > 0).flatMap((f) => f.names);
          commands.push({ path, options, valued, takesRecipes: recipeWords.has(path[0]!) });
        }
      }
      this.context.stdout.write(render(commands));
    });
  }
}
