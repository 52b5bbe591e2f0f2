/** `tczbuild build NAME…`: build some recipes (and the local recipes they depend on). */
import { Option } from 'clipanion';
import { BuildCommand } from '../build-command.js';

export class BuildSomeCommand extends BuildCommand {
  static override paths = [['build']];
  static override usage = BuildCommand.Usage({
    category: 'Build commands',
    description: 'build the named recipes and what they depend on',
    examples: [['Build only containerd', '$0 build containerd']],
  });

  names = Option.Rest({ required: 1 });

  async execute(): Promise<number> {
    return this.run(() => this.build(this.names));
  }
}
