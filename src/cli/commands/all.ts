/** `tczbuild all`: build every recipe and publish the mirror. */
import { Option, UsageError } from 'clipanion';
import { parseShard } from '../../builder/shard.js';
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

      In CI, \`--shard I/N\` splits the recipes among N jobs (a recipe's share follows from its name
      alone) and each job uploads to \`--remote-cache\`; a last job runs \`all --from-cache\` against
      the same cache to assemble the whole mirror without building anything (docs/ci-shards.md).
    `,
    examples: [
      ['Build everything for TinyCore 11 x86_64', '$0 all'],
      ['Build for TinyCore 15 without network, from a local mirror of the sources', '$0 all --tc-version 15 --offline --source-mirror ./sources'],
      ['CI job 2 of 3: build its share and upload it', '$0 all --shard 2/3 --remote-cache https://cache.example/'],
      ['The assembly job: the whole mirror from the cache', '$0 all --from-cache --remote-cache https://cache.example/'],
    ],
  });

  shard = Option.String('--shard', { description: 'I/N: build only share I of N of the recipes (and their dependencies), for N CI jobs that upload to one --remote-cache' });

  async execute(): Promise<number> {
    return this.run(() => {
      let shard;
      if (this.shard !== undefined) {
        shard = parseShard(this.shard);
        if (!shard) throw new UsageError(`--shard takes I/N with 1 <= I <= N (the job's number and the number of jobs), e.g. 2/3, not "${this.shard}"`);
      }
      return this.build(undefined, shard);
    });
  }
}
