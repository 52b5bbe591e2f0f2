/**
 * `tczbuild core-scripts [--into DIR]`: TinyCore's Core-scripts at the pinned commit, verified
 * by their tree hash, for the stand-in box (scripts/make-standin-box.sh calls it). Takes a local
 * checkout from --dir or $TCZBUILD_CORE_SCRIPTS, else the download cache, else downloads the
 * pinned archive. Without --into it only fills the cache and checks, so a machine can go
 * offline afterwards. The work is src/box/core-scripts.ts; this class parses options, prints.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Option } from 'clipanion';
import { coreScripts, coreScriptsEnv } from '../../tinycore/core-scripts.js';
import { ProjectCommand } from '../project-command.js';

export class CoreScriptsCommand extends ProjectCommand {
  static override paths = [['core-scripts']];
  static override usage = ProjectCommand.Usage({
    category: 'Build commands',
    description: "fetch and verify TinyCore's Core-scripts for the stand-in box",
    details: `The pin is ${coreScripts.repository} at ${coreScripts.commit}, verified by the sha256 of the unpacked tree (paths, execute bits and contents; see docs/facts.md). A local checkout handed in with --dir or $${coreScriptsEnv} is checked against the same pin; otherwise the archive ${coreScripts.url} is fetched through the download cache (--source-mirror, --offline, proxies and --ca-file apply).`,
    examples: [
      ['Fill the cache before going offline', '$0 core-scripts'],
      ['Write them for a box build from a local checkout', `${coreScriptsEnv}=~/src/Core-scripts $0 core-scripts --into /tmp/core`],
    ],
  });

  into = Option.String('--into', { description: 'write the verified tree into this new or empty directory' });
  dir = Option.String('--dir', { description: `a local checkout of the pinned commit to use instead of downloading (default: $${coreScriptsEnv})` });
  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream (by the archive\'s file name, repeatable)' });
  offline = Option.Boolean('--offline', false, { description: 'use only a checkout, the cache and local --source-mirror directories' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { resolveCoreScripts } = await import('../../box/core-scripts.js');
      const { SourceCache } = await import('../../builder/fetch/source-cache.js');
      const envDir = this.context.env[coreScriptsEnv] || undefined;
      const override = this.dir !== undefined ? { dir: this.resolvePath(this.dir), from: '--dir' } : envDir !== undefined ? { dir: this.resolvePath(envDir), from: `$${coreScriptsEnv}` } : undefined;
      // Without --into, the tree is checked in a scratch directory beside the cache and dropped.
      if (this.into === undefined) await mkdir(this.cacheDir(), { recursive: true });
      const into = this.into !== undefined ? this.resolvePath(this.into) : await mkdtemp(join(this.cacheDir(), '.core-scripts-check-'));
      try {
        const origin = await resolveCoreScripts({
          into,
          ...(override ? { override } : {}),
          cache: new SourceCache(this.cacheDir()),
          mirrors: this.sourceMirrorList(),
          offline: this.offline,
          reporter: this.reporter(),
          env: this.context.env,
          network: this.network(),
        });
        const from = origin === 'override' ? `${override!.from} ${override!.dir}` : origin === 'cache' ? `the cache (${this.cacheDir()})` : coreScripts.url;
        const where = this.into !== undefined ? ` in ${into}` : '';
        this.reporter().emit({ type: 'info', message: `Core-scripts ${coreScripts.commit.slice(0, 12)} verified (tree sha256 ${coreScripts.treeSha256}) from ${from}${where}`, data: { origin, into: this.into !== undefined ? into : null } });
      } finally {
        if (this.into === undefined) await rm(into, { recursive: true, force: true });
      }
    });
  }
}
