/**
 * BuildCommand: what `all` and `build` share — fetch options, the call into buildAll(), and the
 * closing summary (and --json manifest). The two commands differ only in which recipes they
 * select.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Option } from 'clipanion';
import { buildAll } from '../builder/run.js';
import { defaultPlugins } from '../builder/plugins.js';
import { digestFile } from '../util/hash.js';
import { ProjectCommand } from './project-command.js';
import type { ManifestEntry } from './report/reporter.js';

export abstract class BuildCommand extends ProjectCommand {
  sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream for every source (repeatable)' });
  offline = Option.Boolean('--offline', false, { description: 'use only the cache and local mirrors; fail before any work listing what is missing' });
  force = Option.Boolean('--force', false, { description: 'rebuild even when nothing changed' });
  registryMirrors = Option.Array('--registry-mirror', [], { description: 'HOST=URL: pull images for registry HOST from URL instead (repeatable)' });
  upstreamIndexes = Option.Array('--upstream-index', [], { description: "an upstream mirror's index directory or file (md5.db.gz, dep.db.gz, …) to merge into ours (repeatable)" });

  protected async build(only?: readonly string[]): Promise<number> {
    const reporter = this.reporter();
    const result = await buildAll({
      recipesDir: this.recipesDir(),
      overlaysDir: this.overlaysDir(),
      outDir: this.outDir(),
      cacheDir: this.cacheDir(),
      target: this.target(),
      only,
      mirrors: this.sourceMirrorList(this.sourceMirrors),
      offline: this.offline,
      force: this.force,
      reporter,
      env: this.context.env,
      plugins: defaultPlugins({ projectDir: dirname(this.recipesDir()), upstreamIndexes: this.upstreamIndexes.map((f) => this.resolvePath(f)) }),
      registryMirrors: this.registryMirrorMap(this.registryMirrors),
      displayBase: this.context.cwd,
    });
    const summary = result.built.length
      ? `built ${result.built.join(', ')}${result.skipped.length ? `; up to date: ${result.skipped.join(', ')}` : ''}`
      : `nothing to do: ${result.skipped.join(', ')} up to date`;
    reporter.emit({ type: 'info', message: `${summary} (${result.tczDir})` });
    if (this.json) reporter.emit({ type: 'manifest', out: this.outDir(), files: await manifestOf(this.outDir()) });
    return 0;
  }
}

/** Every published file under out/ with size, md5 and sha256, for CI artifact upload. */
export async function manifestOf(outDir: string): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      if (name === '.tczbuild') continue;
      const abs = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await stat(abs);
      if (st.isDirectory()) await walk(abs, r);
      else {
        const { md5, sha256 } = await digestFile(abs);
        out.push({ path: r, size: st.size, md5, sha256 });
      }
    }
  };
  await walk(outDir, '');
  return out;
}
