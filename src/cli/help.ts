/**
 * Help that tells what to type: clipanion prints every option value as `#0` and no defaults,
 * so TczCli renames each value after what it takes (`--out DIR`, `--port PORT`) and appends
 * the default it reads from the command's own option declaration. Also the `help [COMMAND]`
 * word and `-V`/`-v`/`--version`.
 */
import { Cli, Command, Option, type CommandClass } from 'clipanion';
import type { TczContext } from './base-command.js';

/** What an option's value is, when its name alone does not say (the fallback is the name: --host HOST). */
const valueNames: Readonly<Record<string, string>> = {
  '--recipes': 'DIR',
  '--overlays': 'DIR',
  '--out': 'DIR',
  '--cache': 'DIR',
  '--cache-dir': 'DIR',
  '--config': 'FILE',
  '--tc-version': 'N',
  '--target': 'VER/ARCH',
  '--source-mirror': 'URL|DIR',
  '--registry-mirror': 'HOST=URL',
  '--upstream': 'URL',
  '--upstream-index': 'PATH',
  '--upstream-indexes': 'PATH',
  '--kernel-config': 'DIR',
  '--kernel-tree': 'DIR',
  '--modules': 'LIST',
  '--source': 'PATH',
  '--base-config': 'FILE',
  '--work': 'DIR',
  '--output': 'FILE',
  '--jobs': 'N',
  '--allow-upstream': 'NAME',
  '--allow-setuid': 'PATH',
  '--from': 'URL',
  '--ca-file': 'FILE',
  '--remote-cache': 'URL',
  '--remote-cache-timeout': 'SECONDS',
  '--max-age': 'DAYS',
  '--box': 'FILE',
  '--boxes': 'DIR',
  '--bound': 'SECONDS',
  '--log-dir': 'DIR',
  '--into': 'DIR',
  '--upstream-max-age': 'SECONDS',
  '--max-connections': 'N',
  '--idle-timeout': 'SECONDS',
  '--upstream-max-mb': 'MIB',
  '--upstream-deadline': 'SECONDS',
  '--upstream-min-rate': 'KIB/S',
  '--max-size': 'SIZE',
};

export function valueName(names: readonly string[]): string {
  const long = names.find((n) => n.startsWith('--')) ?? names[0] ?? '';
  return valueNames[long] ?? long.replace(/^-+/, '').toUpperCase();
}

interface OptionFacts {
  readonly names: readonly string[];
  readonly arity: number;
  readonly defaultValue: unknown;
}

type OptionSpec = { definition(builder: unknown, key: string): void; transformer(builder: unknown, key: string, state: unknown, context: unknown): unknown };

/** Each option a command declares, with its default: read by running its declaration on an empty command line. */
export function optionFacts(klass: CommandClass<TczContext>): OptionFacts[] {
  const instance = new (klass as unknown as new () => Record<string, unknown>)();
  const out: OptionFacts[] = [];
  for (const [key, value] of Object.entries(instance)) {
    const spec = value as Partial<OptionSpec> | null;
    if (!spec || typeof spec.definition !== 'function' || typeof spec.transformer !== 'function') continue;
    let found: { names: string[]; arity: number } | undefined;
    const noop = (): void => undefined;
    spec.definition({ addOption: (o: { names: string[]; arity: number }) => (found = o), addPositional: noop, addRest: noop, addProxy: noop }, key);
    if (!found) continue;
    let defaultValue: unknown;
    try {
      defaultValue = spec.transformer({}, key, { options: [], positionals: [] }, { env: {} });
    } catch {
      defaultValue = undefined;
    }
    out.push({ names: found.names, arity: found.arity, defaultValue });
  }
  return out;
}

function shownDefault(v: unknown): string | undefined {
  if (v === undefined || v === false || (Array.isArray(v) && v.length === 0)) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

type Usage = { usage: string; options: Array<{ definition: string; description: string; required: boolean }> };

export class TczCli extends Cli<TczContext> {
  private readonly facts = new Map<number, OptionFacts[]>();

  protected override getUsageByIndex(n: number, opts?: { detailed?: boolean; inlineOptions?: boolean }): Usage {
    const base = super.getUsageByIndex(n, opts) as Usage;
    const facts = this.factsFor(n);
    const named = (text: string): string =>
      text.replace(/((?:-[\w-]+,?)+)((?: #\d+)+)/g, (_all, names: string, values: string) => {
        const value = valueName(names.split(','));
        return `${names}${values.replace(/#\d+/g, value)}`;
      });
    return {
      usage: named(base.usage),
      options: base.options.map((o) => {
        const fact = facts.find((f) => o.definition.split(' ')[0]!.split(',').every((name) => f.names.includes(name)));
        const d = fact && shownDefault(fact.defaultValue);
        return { ...o, definition: named(o.definition), description: d && !/\(default/.test(o.description) ? `${o.description} (default: ${d})` : o.description };
      }),
    };
  }

  private factsFor(n: number): OptionFacts[] {
    let facts = this.facts.get(n);
    if (!facts) {
      const registrations = (this as unknown as { registrations: Map<CommandClass<TczContext>, { index: number }> }).registrations;
      const klass = [...registrations].find(([, r]) => r.index === n)?.[0];
      facts = klass ? optionFacts(klass) : [];
      this.facts.set(n, facts);
    }
    return facts;
  }
}

/** `tczbuild help` lists the commands; `tczbuild help all` is `tczbuild all --help`. */
export class HelpWordCommand extends Command<TczContext> {
  static override paths = [['help'], ['-h'], ['--help']];
  words = Option.Rest();

  async execute(): Promise<number> {
    if (this.words.length === 0) {
      this.context.stdout.write(this.cli.usage());
      return 0;
    }
    return this.cli.run([...this.words, '--help']);
  }
}

export class VersionWordCommand extends Command<TczContext> {
  static override paths = [['-V'], ['-v'], ['--version']];

  async execute(): Promise<void> {
    const { sourceCommit } = await import('../util/version.js');
    this.context.stdout.write(`${this.cli.binaryVersion ?? 'unknown'} (commit ${sourceCommit(this.context.env)})\n`);
  }
}
