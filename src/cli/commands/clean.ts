/**
 * `tczbuild clean`: remove what killed builds left beside out/ — half-assembled mirrors, work
 * directories, private lock files — and repair a swap cut between its two renames. Leftovers of
 * a build that is still running are never touched. With --all, out/ itself goes too. With
 * --prune-cache, the output cache drops entries unused for --max-age days and the least recently
 * used ones beyond --max-size.
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Option, UsageError } from 'clipanion';
import { OutOnlyCommand } from '../out-only-command.js';

export class CleanCommand extends OutOnlyCommand {
  protected readonly outUse = { does: 'cleans beside --out and prunes --cache', targets: 'out/ holds every target and is cleaned whole (clean --all removes every target)' };

  static override paths = [['clean']];
  static override usage = OutOnlyCommand.Usage({
    category: 'Build commands',
    description: 'remove what killed builds left beside out/ (and out/ with --all)',
    examples: [
      ['Start from scratch', '$0 clean --all'],
      ['Keep the output cache under 2 GiB and a week', '$0 clean --prune-cache --max-size 2G --max-age 7'],
    ],
  });

  all = Option.Boolean('--all', false, { description: 'also remove the output directory itself' });
  pruneCache = Option.Boolean('--prune-cache', false, { description: 'prune the output cache (under --cache) by --max-age and --max-size, and downloaded sources by --max-age' });
  maxAge = Option.String('--max-age', { description: 'with --prune-cache: drop entries not used for this many days (default 30)' });
  maxSize = Option.String('--max-size', { description: 'with --prune-cache: then drop the least recently used entries until the rest fit (K, M, G, T) (default 10G)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      for (const [flag, v] of [['--max-age', this.maxAge], ['--max-size', this.maxSize]] as const) {
        if (v !== undefined && !this.pruneCache) throw new UsageError(`${flag} bounds the output cache, which only --prune-cache prunes: pass --prune-cache ${flag} ${v}`);
      }
      const [{ recoverOut }, { isProcessAlive }] = await Promise.all([import('../../builder/publish.js'), import('../../util/process.js')]);
      const out = this.outDir();
      const parent = dirname(out);
      const before = new Set(await readdir(parent).catch(() => [] as string[]));
      await recoverOut(out, isProcessAlive);
      // Private lock files (out.lock.<pid>-<hex>) of builds killed while taking the lock.
      const lockPrefix = `${basename(out)}.lock.`;
      for (const name of before) {
        const pid = name.startsWith(lockPrefix) ? /^(\d+)-[0-9a-f]+$/.exec(name.slice(lockPrefix.length))?.[1] : undefined;
        if (pid && !isProcessAlive(Number(pid))) await rm(join(parent, name), { force: true });
      }
      if (this.all) await rm(out, { recursive: true, force: true });
      const after = new Set(await readdir(parent).catch(() => [] as string[]));
      const restored = !before.has(basename(out)) && after.has(basename(out));
      const removed = [...before].filter((n) => !after.has(n) && !(restored && /\.old-\d+$/.test(n)));
      const said: string[] = [...(restored ? [`restored ${basename(out)} from a publish cut short`] : []), ...(removed.length ? [`removed ${removed.join(', ')}`] : [])];
      if (this.pruneCache) said.push(await this.prune());
      this.reporter().emit({ type: 'info', message: said.length ? said.join('; ') : 'nothing to clean' });
    });
  }

  private async prune(): Promise<string> {
    const { parseSize } = await import('../../recipe/sizes.js');
    const { LocalOutputCache } = await import('../../builder/output-cache/local-store.js');
    const days = this.positiveInteger('--max-age', this.maxAge ?? '30');
    const maxBytes = parseSize(this.maxSize ?? '10G');
    if (maxBytes === undefined) throw new UsageError(`--max-size takes a size such as 500M or 10G, not "${this.maxSize}"`);
    const { SourceCache } = await import('../../builder/fetch/source-cache.js');
    const nowMs = Date.now();
    const r = await new LocalOutputCache(this.cacheDir()).prune({ nowMs, maxAgeMs: days * 86_400_000, maxBytes });
    // downloaded sources age the same way (by last use); a build fetches again what it still needs
    const src = await new SourceCache(this.cacheDir()).prune(nowMs, days * 86_400_000);
    const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    return `output cache: dropped ${r.entries} entries and ${r.blobs} files (${mib(r.freedBytes)}), kept ${mib(r.keptBytes)}; sources: dropped ${src.files} files unused for ${days} days (${mib(src.freedBytes)})`;
  }
}
