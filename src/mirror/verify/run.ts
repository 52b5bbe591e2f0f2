/**
 * verifyMirror(): load one tcz directory and run every registered check over it, returning
 * the findings sorted by file. It decides nothing about exit codes or output; the CLI does.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { sortDiagnostics } from '../../diagnostics/diagnostic.js';
import { loadVerifyContext, type VerifyOptions } from './context.js';
import { checks, perExtensionCheckIds } from './registry.js';

export interface VerifyReport {
  readonly tczDir: string;
  readonly extensions: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

export async function verifyMirror(tczDir: string, opts: VerifyOptions): Promise<VerifyReport> {
  const ctx = await loadVerifyContext(tczDir, opts);
  const only = opts.onlyExtensions;
  // judging a few extensions (the build gate): their own checks only, not the mirror-wide ones
  const selected = only ? checks.filter((c) => perExtensionCheckIds.has(c.id)) : checks;
  const diagnostics = selected.flatMap((c) => c.run(ctx)).filter((d) => !only || only.some((n) => d.file?.split('/').pop()?.startsWith(n)));
  return { tczDir, extensions: ctx.extensions.map((e) => e.name), diagnostics: sortDiagnostics(diagnostics) };
}
