/**
 * `tczbuild init [DIR]`: lay out a new project — tczbuild.yaml with every key commented,
 * recipes/ and rootfs-overlays/, a .gitignore for out/ and the local cache, and the editor
 * schemas its `$schema` lines name (tczbuild.schema.json, recipes/recipe.schema.json), so they
 * resolve inside the project. Never overwrites a file that is already there.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Option } from 'clipanion';
import { BaseCommand } from '../base-command.js';

const configText = `# yaml-language-server: $schema=./tczbuild.schema.json
# tczbuild project config (tczbuild.schema.json beside it describes it for editors).
# Every key is optional and a command-line flag overrides it.
# \`tczbuild config\` prints the effective values and where each came from.
recipes: recipes          # NAME.yaml recipes (\`tczbuild new NAME --from URL\` writes one)
out: out                  # the tce mirror tree: out/<ver>.x/<arch>/tcz
cache: .tczbuild-cache    # downloads, verified by sha256
targets: [11.x/x86_64]    # e.g. [15.x/x86_64, 15.x/aarch64]
# upstream: http://repo.tinycorelinux.net/   # what \`tczbuild serve\` falls through to
# source-mirrors: [/srv/sources]              # tried before each source's URL
# registry-mirrors: { docker.io: http://127.0.0.1:5000 }
# remote-cache: http://cache.example:8080/     # shared built outputs, as --remote-cache
`;

const gitignore = `out/
.out.*
out.lock*
.tczbuild-cache/
`;

export class InitCommand extends BaseCommand {
  static override paths = [['init']];
  static override usage = BaseCommand.Usage({
    description: 'lay out a new project: tczbuild.yaml, recipes/, rootfs-overlays/, .gitignore',
    examples: [['Start a project here', '$0 init'], ['Start one in a new directory', '$0 init my-extensions']],
  });

  dir = Option.String({ required: false });

  async execute(): Promise<number> {
    return this.run(async () => {
      const root = resolve(this.context.cwd, this.dir ?? '.');
      const { configJsonSchema } = await import('../../config/schema.js');
      const { renderRecipeJsonSchema } = await import('../../recipe/json-schema.js');
      const files: Record<string, string> = {
        'tczbuild.yaml': configText,
        'tczbuild.schema.json': `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
        '.gitignore': gitignore,
        'recipes/recipe.schema.json': renderRecipeJsonSchema(),
        'rootfs-overlays/.gitkeep': '',
      };
      const reporter = this.reporter();
      for (const [rel, text] of Object.entries(files)) {
        const path = join(root, rel);
        if (existsSync(path)) {
          reporter.emit({ type: 'info', message: `kept ${relative(this.context.cwd, path) || rel} (already there)` });
          continue;
        }
        await mkdir(join(path, '..'), { recursive: true });
        await writeFile(path, text);
        reporter.emit({ type: 'info', message: `wrote ${relative(this.context.cwd, path)}` });
      }
      reporter.emit({ type: 'info', message: 'next: tczbuild new NAME --from URL, then tczbuild all' });
    });
  }
}
