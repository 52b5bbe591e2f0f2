/** `tczbuild all`: build every recipe and publish the mirror. */
import { BuildCommand } from '../build-command.js';

export class AllCommand extends BuildCommand {
  static override paths = [['all']];
  static override usage = BuildCommand.Usage({
    category: 'Build commands',
    description: 'build every recipe and publish out/ as a tce mirror',
    details: `
      Reads every \`recipes/*.yaml\`, builds them in dependency order (independent ones in parallel),
      and publishes \`out/<tc-version>.x/<arch>/tcz/\` atomically. Extensions whose inputs did not
      change are skipped; the log says why each one rebuilt.
    `,
    examples: [
      ['Build everything for TinyCore 11 x86_64', '$0 all'],
      ['Build for TinyCore 15 without network, from a local mirror of the sources', '$0 all --tc-version 15 --offline --source-mirror ./sources'],
    ],
  });

  async execute(): Promise<number> {
    return this.run(() => this.build());
  }
}
