/** Regenerate docs/diagnostics.md from the diagnostic registry (test/diagnostics/registry.test.ts fails when it is stale). */
import { writeFileSync } from 'node:fs';
import { renderDiagnosticsDoc } from '../src/diagnostics/doc.js';

writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), renderDiagnosticsDoc());
