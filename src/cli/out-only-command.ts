/**
 * A project command that works on what is under --out (clean, serve) and reads no recipes,
 * overlays or target: those shared flags are parsed, kept out of --help, and refused with the
 * command's reason instead of being silently ignored.
 */
import { Option } from 'clipanion';
import { ProjectCommand, type SharedFlag } from './project-command.js';

export abstract class OutOnlyCommand extends ProjectCommand {
  override recipes = Option.String('--recipes', { hidden: true });
  override overlays = Option.String('--overlays', { hidden: true });
  override tcVersion = Option.String('--tc-version', { hidden: true });
  override arch = Option.String('--arch', { hidden: true });
  override targetFlags = Option.Array('--target', [], { hidden: true });

  /** What the command does with out/ (completes "it … , and reads no recipes"), and why it takes no target. */
  protected abstract readonly outUse: { readonly does: string; readonly targets: string };

  protected override refusedFlags(): Partial<Record<SharedFlag, string>> {
    return {
      recipes: `it ${this.outUse.does}, and reads no recipes`,
      overlays: `it ${this.outUse.does}, and reads no overlays`,
      targets: this.outUse.targets,
    };
  }
}
