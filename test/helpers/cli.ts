/** Run the tczbuild CLI in process with captured streams, as a user's shell would. */
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/cli.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Parsed --json events (one per stdout line), when --json was passed. */
  readonly events: Array<Record<string, unknown>>;
}

export async function tczbuild(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runCli(args, { stdin: process.stdin, stdout, stderr, cwd: opts.cwd, env: { ...process.env, CI: 'true', ...opts.env }, colorDepth: 1 });
  const text = Buffer.concat(out).toString();
  const events = args.includes('--json')
    ? text
        .split('\n')
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  return { code, stdout: text, stderr: Buffer.concat(err).toString(), events };
}

/** The diagnostics a --json run reported. */
export function diagnosticsOf(run: CliRun): Array<{ id: string; severity?: string; file?: string; line?: number; col?: number; message: string; hint?: string }> {
  return run.events.filter((e) => e.type === 'diagnostic').map((e) => e.diagnostic as { id: string; message: string });
}
