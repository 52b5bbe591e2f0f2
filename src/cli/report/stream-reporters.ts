/**
 * Reporters that write to the CLI's streams: NDJSON for --json, plain lines for CI and pipes,
 * and a TTY variant that redraws download progress on one line. They only format; they never
 * decide anything about the build.
 */
import type { Writable } from 'node:stream';
import { formatDiagnostic } from '../../diagnostics/format.js';
import { redactUserinfo } from '../../util/credentials.js';
import type { BuildEvent, Reporter } from '../../report/reporter.js';

/** Version of the --json event stream: bumped when an event changes incompatibly. */
export const jsonStreamVersion = 1;

export interface JsonReporter extends Reporter {
  /** Write the stream's one closing `result` event, carrying what the command reported as its result. */
  finish(exitCode: number): void;
}

/**
 * NDJSON: every event carries the stream version and an ISO timestamp; a command's `result`
 * event is held back and written once, last, with the exit code, on success and failure alike.
 */
export function jsonReporter(out: Writable, command: string, now: () => Date = () => new Date()): JsonReporter {
  let result: Record<string, unknown> = {};
  let finished = false;
  // Userinfo in any URL of any event is masked here, once for every command (credentials.ts).
  const write = (e: object): void => void out.write(`${redactUserinfo(JSON.stringify({ v: jsonStreamVersion, time: now().toISOString(), ...e }))}\n`);
  return {
    emit(e) {
      if (e.type === 'result') result = { ...result, ...e };
      else write(e);
    },
    finish(exitCode) {
      if (finished) return;
      finished = true;
      write({ ...result, type: 'result', command, ok: exitCode === 0, exitCode });
    },
  };
}

export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** The events each verbosity shows on plain output; diagnostics always show. */
function shown(e: BuildEvent, verbosity: Verbosity): boolean {
  if (e.type === 'diagnostic') return true;
  if (verbosity === 'quiet') return false;
  if (e.type === 'stage-start') return verbosity === 'verbose';
  return true;
}

/** Severity colours for diagnostics on a terminal, unless NO_COLOR asks for none (no-color.org). */
export function colorsWanted(tty: boolean, env: NodeJS.ProcessEnv): boolean {
  return tty && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

const paint = { error: '\x1b[31m', warning: '\x1b[33m', reset: '\x1b[0m' };

/** Off a terminal, a download still running after this long gets a line saying so (and one when it ends). */
export const slowDownloadMs = 3000;

interface DownloadClock {
  /** When the download was first seen, and when its current attempt started. */
  readonly firstSeen: number;
  attemptStart: number;
  announced: boolean;
}

export function plainReporter(out: Writable, err: Writable, { tty = false, color = false, verbosity = 'normal' as Verbosity, now = Date.now } = {}): Reporter {
  let progressShown = false;
  const downloads = new Map<string, DownloadClock>();
  const clearProgress = (): void => {
    if (progressShown) out.write('\r\x1b[2K');
    progressShown = false;
  };
  const line = (text: string): void => {
    clearProgress();
    out.write(`${redactUserinfo(text)}\n`);
  };
  const progress = (e: Extract<BuildEvent, { type: 'download-progress' }>): void => {
    const t = now();
    let clock = downloads.get(e.url);
    if (!clock) downloads.set(e.url, (clock = { firstSeen: t, attemptStart: t, announced: false }));
    else if (e.received === 0) clock.attemptStart = t; // a retry starts over
    const rate = rateOf(e.received, t - clock.attemptStart);
    if (e.done) downloads.delete(e.url);
    if (tty) {
      if (e.done) return clearProgress();
      const pct = e.total ? ` ${Math.floor((e.received / e.total) * 100)}%` : '';
      const eta = e.total && rate ? `, ${formatSeconds((e.total - e.received) / rate)} left` : '';
      out.write(redactUserinfo(`\r\x1b[2K  downloading ${shortUrl(e.url)} ${formatBytes(e.received)}${e.total ? ` of ${formatBytes(e.total)}` : ''}${pct}${rate ? ` at ${formatBytes(rate)}/s` : ''}${eta}`));
      progressShown = true;
      return;
    }
    // Off a terminal: quick downloads stay silent; a slow one says it started, and when it ended.
    if (verbosity === 'quiet') return;
    if (!clock.announced && !e.done && t - clock.firstSeen >= slowDownloadMs) {
      clock.announced = true;
      line(`downloading ${e.url}${e.total ? ` (${formatBytes(e.total)})` : ''}: ${formatBytes(e.received)} after ${formatSeconds((t - clock.firstSeen) / 1000)}${rate ? `, ${formatBytes(rate)}/s` : ''}`);
    } else if (clock.announced && e.done) {
      line(`downloaded ${e.url}: ${formatBytes(e.received)} in ${formatSeconds((t - clock.firstSeen) / 1000)}`);
    }
  };
  return {
    emit(e) {
      if (e.type === 'download-progress') return progress(e);
      if (!shown(e, verbosity)) return;
      clearProgress();
      const rendered = renderLine(e);
      if (rendered === undefined) return;
      const text = redactUserinfo(rendered);
      const colored = color && e.type === 'diagnostic' ? text.replace(`${e.diagnostic.severity}[`, `${paint[e.diagnostic.severity]}${e.diagnostic.severity}${paint.reset}[`) : text;
      (e.type === 'diagnostic' ? err : out).write(`${colored}\n`);
    },
  };
}

/** Bytes per second, or undefined before there is anything to measure. */
function rateOf(bytes: number, ms: number): number | undefined {
  return ms >= 500 && bytes > 0 ? (bytes * 1000) / ms : undefined;
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${Math.max(0, s).toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function renderLine(e: BuildEvent): string | undefined {
  switch (e.type) {
    case 'stage-start':
      return `${e.name}: ${e.stage} …`;
    case 'stage-end':
      return `${e.name}: ${e.stage} ${formatMs(e.ms)}${e.detail ? ` (${e.detail})` : ''}`;
    case 'skip':
      return `${e.name}: up to date (${e.reason})`;
    case 'rebuild':
      return `${e.name}: building because ${e.reasons.join('; ')}${e.cache === undefined ? '' : e.cache === 'miss' ? ' (not in the output cache)' : ` (the ${e.cache} holds its build key: it would come from cache)`}`;
    case 'cache-hit':
      return `${e.name}: from cache (the ${e.cache} holds build key ${e.key.slice(0, 12)}; ${e.files} files, ${formatBytes(e.bytes)}, sha256 verified)`;
    case 'info':
      return e.message;
    case 'diagnostic':
      return formatDiagnostic(e.diagnostic);
    case 'manifest':
      return `published ${e.files.length} files to ${e.out}`;
    case 'download-retry':
      return `retrying ${e.url} in ${formatSeconds(e.delayMs / 1000)} (attempt ${e.attempt} of ${e.attempts}): ${e.reason}`;
    default:
      return undefined;
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}KiB`;
  return `${(n / 1024 / 1024).toFixed(1)}MiB`;
}

function shortUrl(url: string): string {
  return url.length > 60 ? `…${url.slice(-59)}` : url;
}
