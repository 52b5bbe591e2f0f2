/**
 * Reporters that write to the CLI's streams: NDJSON for --json, plain lines for CI and pipes,
 * and a TTY variant that redraws download progress on one line. They only format; they never
 * decide anything about the build.
 */
import type { Writable } from 'node:stream';
import { formatDiagnostic } from '../../diagnostics/format.js';
import type { BuildEvent, Reporter } from '../../report/reporter.js';

export function jsonReporter(out: Writable): Reporter {
  return { emit: (e) => void out.write(`${JSON.stringify(e)}\n`) };
}

export function plainReporter(out: Writable, err: Writable, { tty = false } = {}): Reporter {
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) out.write('\r\x1b[2K');
    progressShown = false;
  };
  return {
    emit(e) {
      if (e.type === 'download-progress') {
        if (!tty) return;
        const pct = e.total ? ` ${Math.floor((e.received / e.total) * 100)}%` : '';
        out.write(`\r\x1b[2K  downloading ${shortUrl(e.url)} ${formatBytes(e.received)}${pct}`);
        progressShown = true;
        return;
      }
      clearProgress();
      const line = renderLine(e);
      if (line === undefined) return;
      (e.type === 'diagnostic' ? err : out).write(`${line}\n`);
    },
  };
}

function renderLine(e: BuildEvent): string | undefined {
  switch (e.type) {
    case 'stage-start':
      return undefined;
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
    default:
      return undefined;
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}KiB`;
  return `${(n / 1024 / 1024).toFixed(1)}MiB`;
}

function shortUrl(url: string): string {
  return url.length > 60 ? `…${url.slice(-59)}` : url;
}
