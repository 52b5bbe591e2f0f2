/**
 * BaseCommand: options every command shares (--json), the reporter it should use, and one
 * place that turns a TczError into rendered diagnostics and an exit code. Commands keep
 * their execute() to a call into a service function.
 */
import { Command, Option, UsageError, type BaseContext } from 'clipanion';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { codes } from '../diagnostics/codes.js';
import { diag } from '../diagnostics/diagnostic.js';
import { causeChain, exitFor, isTczError } from '../diagnostics/errors.js';
import type { NetworkSettings } from '../util/network-settings.js';
import { exitOwnedBySignal } from '../util/interrupt.js';
import { formatDiagnostic } from '../diagnostics/format.js';
import { ExitCode } from './exit-codes.js';
import type { Reporter } from '../report/reporter.js';
import { colorsWanted, jsonReporter, plainReporter, type JsonReporter } from './report/stream-reporters.js';

export interface TczContext extends BaseContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export abstract class BaseCommand extends Command<TczContext> {
  json = Option.Boolean('--json', false, { description: 'print one JSON event per line instead of text (versioned, timestamped, ending with one result event)' });
  quiet = Option.Boolean('--quiet,-q', false, { description: 'print only warnings and errors' });
  verbose = Option.Boolean('--verbose', false, { description: 'also print when each stage starts' });
  caFile = Option.String('--ca-file', { description: 'PEM file of CA certificates to trust besides the system ones (a private CA for sources, registries, upstream)' });

  private reporterInstance: Reporter | undefined;
  private networkInstance: NetworkSettings | undefined;
  private jsonStream: JsonReporter | undefined;

  reporter(): Reporter {
    if (!this.reporterInstance) {
      const out = this.context.stdout as NodeJS.WriteStream;
      const ci = this.context.env.CI === 'true' || this.context.env.CI === '1';
      const tty = Boolean(out.isTTY) && !ci;
      const errTty = Boolean((this.context.stderr as NodeJS.WriteStream).isTTY);
      if (this.json) this.reporterInstance = this.jsonStream = jsonReporter(this.context.stdout, this.path.join(' '));
      else {
        const verbosity = this.quiet && this.quietHidesInfo() ? 'quiet' : this.verbose ? 'verbose' : 'normal';
        this.reporterInstance = plainReporter(this.context.stdout, this.context.stderr, { tty, color: colorsWanted(errTty, this.context.env), verbosity });
      }
    }
    return this.reporterInstance;
  }

  /**
   * This run's proxies (from its environment) and --ca-file: handed with every request the
   * command makes (HttpOptions.network), never set process-wide.
   */
  network(): NetworkSettings {
    if (!this.networkInstance) {
      const caFile = this.caFile === undefined ? undefined : checkedCaFile(resolve(this.context.cwd, this.caFile), this.caFile);
      this.networkInstance = { env: this.context.env, ...(caFile !== undefined ? { caFile } : {}) };
    }
    return this.networkInstance;
  }

  /** Seconds (a whole number, 0 allowed) from an option as milliseconds, or a usage error naming the option. */
  protected nonNegativeSeconds(option: string, value: string): number {
    if (!/^\d+$/.test(value)) throw new UsageError(`${option} takes a whole number of seconds, not "${value}"`);
    return Number(value) * 1000;
  }

  /** A whole number of at least 1 from an option, or a usage error naming the option. */
  protected positiveInteger(option: string, value: string): number {
    if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${option} takes a whole number of at least 1, not "${value}"`);
    return Number(value);
  }

  /** Run a service function; user errors become diagnostics and exit code 1, bad options 2, bugs 70. */
  protected async run(fn: () => Promise<number | void>): Promise<number> {
    const code = await this.runCaught(fn);
    if (this.json) {
      this.reporter();
      this.jsonStream?.finish(code);
    }
    return code;
  }

  /**
   * --verbose: what a user-facing error wrapped (an errno, undici's reason, a tool's own
   * failure), one `caused by:` line per link, on stderr so --json's stdout stays events.
   */
  private showCauses(error: Error): void {
    for (const line of causeChain(error)) this.context.stderr.write(`  caused by: ${line}\n`);
  }

  /** Whether --quiet hides info lines; serve's --quiet only drops its access log. */
  protected quietHidesInfo(): boolean {
    return true;
  }

  /** Work every run needs before the command's own (ProjectCommand loads tczbuild.yaml here). */
  protected async prepare(): Promise<void> {}

  private async runCaught(fn: () => Promise<number | void>): Promise<number> {
    try {
      if (this.quiet && this.verbose) throw new UsageError('--quiet and --verbose contradict each other: pass one');
      // checked before any work: a bad --ca-file is a usage error, not four failed retries
      this.network();
      await this.prepare();
      return (await fn()) ?? ExitCode.ok;
    } catch (error) {
      const stopping = exitOwnedBySignal();
      if (stopping !== undefined) return stopping;
      if (error instanceof UsageError) {
        this.context.stderr.write(this.cli.error(error, { command: this }));
        return ExitCode.usage;
      }
      if (isTczError(error)) {
        for (const d of error.diagnostics) this.reporter().emit({ type: 'diagnostic', diagnostic: d });
        if (this.verbose) this.showCauses(error);
        return exitFor(error.diagnostics);
      }
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (this.json) this.reporter().emit({ type: 'diagnostic', diagnostic: diag('internal-error', undefined, `tczbuild hit a bug: ${message.split('\n')[0]}`) });
      this.context.stderr.write(`${formatDiagnostic(diag('internal-error', undefined, `tczbuild hit a bug: ${message}`))}\n`);
      return codes['internal-error'].exit;
    }
  }
}

/**
 * --ca-file must name a readable PEM file: found out here, as a usage error (exit 2), instead
 * of as four network retries that each fail to load it. Read only when the option is given.
 */
function checkedCaFile(path: string, given: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--ca-file ${given}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)}); pass a PEM file of CA certificates`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-file ${given}: holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line); pass a PEM file of CA certificates`);
  return path;
}
