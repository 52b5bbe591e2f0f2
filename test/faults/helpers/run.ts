/**
 * Run tczbuild the two ways the fault suites need: the real CLI in process (runCli with its own
 * captured streams and --json, so the exit code and the diagnostics are what a user gets), and
 * buildAll() directly for cases that need fetch timeouts the CLI does not expose. Both return
 * the same RunResult. Never touches process-wide state.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { buildAll } from '../../../src/builder/run.js';
import { defaultPlugins } from '../../../src/plugins.js';
import type { FetchOptions } from '../../../src/builder/fetch/fetch-sources.js';
import { runCli } from '../../../src/cli/cli.js';
import { ExitCode } from '../../../src/cli/exit-codes.js';
import { collectingReporter, type BuildEvent } from '../../../src/report/reporter.js';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { isTczError } from '../../../src/diagnostics/errors.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly events: readonly BuildEvent[];
}

/** A project laid out as a user has it: recipes/, rootfs-overlays/, out/ and a cache. */
export interface ProjectDirs {
  readonly dir: string;
  readonly recipesDir: string;
  readonly overlaysDir: string;
  readonly outDir: string;
  readonly cacheDir: string;
}

export function projectDirs(dir: string): ProjectDirs {
  return { dir, recipesDir: join(dir, 'recipes'), overlaysDir: join(dir, 'rootfs-overlays'), outDir: join(dir, 'out'), cacheDir: join(dir, 'cache') };
}

/** Fixed epoch so every build of the same inputs is byte-identical and git is never asked. */
export const testEnv: NodeJS.ProcessEnv = { ...process.env, SOURCE_DATE_EPOCH: '1600000000', CI: 'true' };

/** A writable that keeps what was written, standing in for stdout/stderr. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

/** `tczbuild <argv> --json` in process, from the project directory. */
export function runTczbuild(p: ProjectDirs, argv: readonly string[], env: NodeJS.ProcessEnv = testEnv): Promise<RunResult> {
  return runCliJson([...argv, '--recipes', p.recipesDir, '--out', p.outDir, '--cache', p.cacheDir], p.dir, env);
}

/** `tczbuild pin` on the project: it rewrites recipes and refuses --out, which it has no use for. */
export function runPin(p: ProjectDirs, argv: readonly string[], env: NodeJS.ProcessEnv = testEnv): Promise<RunResult> {
  return runCliJson(['pin', ...argv, '--recipes', p.recipesDir, '--cache', p.cacheDir], p.dir, env);
}

/** Any `tczbuild <argv> --json` in process, from `cwd`, with its events parsed. */
export async function runCliJson(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv = testEnv): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli([...argv, '--json'], { stdin: process.stdin, stdout, stderr, cwd, env, colorDepth: 1 });
  const events = stdout.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as BuildEvent);
  const diagnostics = events.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic] : []));
  return { code, stdout: stdout.text, stderr: stderr.text, diagnostics, events };
}

export type FetchTuning = Partial<Pick<FetchOptions, 'timeoutMs' | 'retries' | 'backoffMs' | 'minRate'>>;

/**
 * buildAll() as `tczbuild all` calls it, with fetch tuning; the exit code is BaseCommand's
 * mapping (a TczError is 1, anything else a bug, 70).
 */
export async function buildInProcess(p: ProjectDirs, fetch: FetchTuning, env: NodeJS.ProcessEnv = testEnv): Promise<RunResult> {
  const reporter = collectingReporter();
  let code: number = ExitCode.ok;
  let stderr = '';
  try {
    await buildAll({
      recipesDir: p.recipesDir,
      overlaysDir: p.overlaysDir,
      outDir: p.outDir,
      cacheDir: p.cacheDir,
      target: { tcVersion: '11', arch: 'x86_64' },
      reporter,
      env,
      network: { env },
      plugins: defaultPlugins({ projectDir: p.dir }),
      fetch,
      displayBase: p.dir,
    });
  } catch (error) {
    if (!isTczError(error)) {
      code = ExitCode.internal;
      stderr = error instanceof Error ? (error.stack ?? error.message) : String(error);
    } else {
      code = ExitCode.failed;
      for (const d of error.diagnostics) reporter.emit({ type: 'diagnostic', diagnostic: d });
    }
  }
  const diagnostics = reporter.events.flatMap((e) => (e.type === 'diagnostic' ? [e.diagnostic] : []));
  return { code, stdout: '', stderr, diagnostics, events: reporter.events };
}
