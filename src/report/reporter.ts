/**
 * Reporter: where build events go. Stages emit events; the CLI picks how they are shown
 * (TTY, plain lines for CI, or one JSON object per line). Pure interface and event types.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export type BuildEvent =
  | { readonly type: 'stage-start'; readonly name: string; readonly stage: string }
  | { readonly type: 'stage-end'; readonly name: string; readonly stage: string; readonly ms: number; readonly detail?: string }
  | { readonly type: 'skip'; readonly name: string; readonly reason: string; readonly target?: string }
  | { readonly type: 'rebuild'; readonly name: string; readonly reasons: readonly string[]; readonly cache?: 'local cache' | 'remote cache' | 'miss'; readonly target?: string }
  | { readonly type: 'cache-hit'; readonly name: string; readonly cache: 'local cache' | 'remote cache'; readonly key: string; readonly files: number; readonly bytes: number }
  | { readonly type: 'download-progress'; readonly url: string; readonly received: number; readonly total?: number; readonly done?: boolean }
  | { readonly type: 'download-retry'; readonly url: string; readonly attempt: number; readonly attempts: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'info'; readonly message: string; readonly data?: Readonly<Record<string, unknown>> }
  | { readonly type: 'diagnostic'; readonly diagnostic: Diagnostic }
  | { readonly type: 'manifest'; readonly files: readonly ManifestEntry[]; readonly out: string }
  | { readonly type: 'result'; readonly [key: string]: unknown };

export interface ManifestEntry {
  readonly path: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
}

export interface Reporter {
  emit(event: BuildEvent): void;
}

export const silentReporter: Reporter = { emit: () => undefined };

/** A reporter that keeps every event: for tests and for composing reporters. */
export function collectingReporter(): Reporter & { readonly events: BuildEvent[] } {
  const events: BuildEvent[] = [];
  return { events, emit: (e) => void events.push(e) };
}
