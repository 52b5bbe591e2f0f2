/**
 * `tczbuild config`: the effective project settings (tczbuild.yaml merged with flags and
 * defaults) and where each value came from, so a surprising build can be traced to its source.
 */
import { relative } from 'node:path';
import { Option } from 'clipanion';
import { ProjectCommand } from '../project-command.js';
import { targetName, type Setting } from '../../config/settings.js';

export class ConfigCommand extends ProjectCommand {
  static override paths = [['config']];
  static override usage = ProjectCommand.Usage({
    description: 'print the effective settings and where each came from',
    details: 'Reads tczbuild.yaml (in this directory or the nearest parent, or --config FILE), applies the flags given, and prints each setting with its origin: a flag, FILE:LINE, or the default.',
    examples: [
      ['Show the settings', '$0 config'],
      ['What would --target 15.x/aarch64 --out /srv/mirror change', '$0 config --target 15.x/aarch64 --out /srv/mirror'],
    ],
  });

  override sourceMirrors = Option.Array('--source-mirror', [], { description: 'URL or directory tried before upstream for every source (repeatable)' });
  override registryMirrors = Option.Array('--registry-mirror', [], { description: 'HOST=URL: pull images for registry HOST from URL instead (repeatable)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const s = this.settings();
      const shown = (p: string): string => (p.startsWith(`${this.context.cwd}/`) ? relative(this.context.cwd, p) : p);
      const rows: Array<[string, string, Setting<unknown>]> = [
        ['recipes', shown(s.recipes.value), s.recipes],
        ['overlays', shown(s.overlays.value), s.overlays],
        ['out', shown(s.out.value), s.out],
        ['cache', shown(s.cache.value), s.cache],
        ['targets', s.targets.value.map(targetName).join(', '), s.targets],
        ['upstream', s.upstream.value ?? '(none)', s.upstream],
        ['remote-cache', s.remoteCache.value ?? '(none)', s.remoteCache],
        ['log-dir', s.logDir.value === undefined ? '(a new temporary directory per test run)' : shown(s.logDir.value), s.logDir],
        ['source-mirrors', s.sourceMirrors.value.map(shown).join(', ') || '(none)', s.sourceMirrors],
        ['registry-mirrors', Object.entries(s.registryMirrors.value).map(([h, u]) => `${h}=${u}`).join(', ') || '(none)', s.registryMirrors],
      ];
      const reporter = this.reporter();
      const file = s.configFile ? shown(s.configFile) : undefined;
      if (this.json) {
        reporter.emit({ type: 'result', file: file ?? null, settings: Object.fromEntries(rows.map(([k, , v]) => [k, { value: v.value, origin: v.origin }])) });
        return;
      }
      const width = Math.max(...rows.map(([k, v]) => k.length + 2 + v.length));
      reporter.emit({ type: 'info', message: `# ${file ? `from ${file}` : 'no tczbuild.yaml here or above: defaults and flags only'}` });
      for (const [k, v, setting] of rows) reporter.emit({ type: 'info', message: `${`${k}: ${v}`.padEnd(width)}  # ${setting.origin}` });
    });
  }
}
