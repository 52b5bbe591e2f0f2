/**
 * verifyMirror(): load one tcz directory and run every registered check over it, returning
 * the findings sorted by file. Judging only some extensions (the build gate, a box's preflight)
 * runs their own checks, one extension at a time (each.ts). It decides nothing about exit codes
 * or output; the CLI does.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { sortDiagnostics } from '../../diagnostics/diagnostic.js';
import { loadVerifyContext, type VerifyOptions } from './context.js';
import { verifyEach } from './each.js';
import { checks } from './registry.js';

export interface VerifyReport {
  readonly tczDir: string;
  readonly extensions: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export async function verifyMirror(tczDir: string, opts: VerifyOptions): Promise<VerifyReport> {
  if (opts.onlyExtensions) return { tczDir, ...(await verifyEach(tczDir, opts.onlyExtensions, opts)) };
  const ctx = await loadVerifyContext(tczDir, opts);
  return { tczDir, extensions: ctx.extensions.map((e) => e.name), diagnostics: sortDiagnostics(checks.flatMap((c) => c.run(ctx))) };
}
