/**
 * Issue 20, typed errors: every diagnostic id is declared once, in the one registry, with a hint
 * and an exit status; every id raised anywhere in src/ is one of them; docs/diagnostics.md is
 * the registry as rendered. An undeclared id is also a compile error (the @ts-expect-error below
 * fails `tsc --noEmit` if diag() ever accepts any string again).
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes, codeTables, isDiagnosticId } from '../../src/diagnostics/codes.js';
import { diag } from '../../src/diagnostics/diagnostic.js';
import { exitFor } from '../../src/diagnostics/errors.js';
import { renderDiagnosticsDoc } from '../../src/diagnostics/doc.js';
import { tsSources } from '../helpers/source-files.js';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');

/** Ids as they are raised: diag('id', …), fail('id', …), new-style literals `id: 'x'` in a Diagnostic, and ids picked by a ternary. */
const raisedPatterns = [/\b(?:diag|fail)\(\s*'([^']+)'/g, /\bid: '([^']+)',\s*severity:/g, /\?\s*'([a-z0-9]+(?:-[a-z0-9]+)+)'\s*:\s*'([a-z0-9]+(?:-[a-z0-9]+)+)'/g];

async function raisedIds(): Promise<Map<string, string>> {
  const where = new Map<string, string>();
  for (const file of await tsSources(src)) {
    const rel = relative(src, file);
    if (rel.startsWith('diagnostics/ids/')) continue;
    const code = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const pattern of raisedPatterns) for (const m of code.matchAll(pattern)) for (const id of m.slice(1)) if (id !== undefined) where.set(id, rel);
  }
  return where;
}

describe('the diagnostic registry', () => {
  it('declares every id once, in one table', () => {
    const declared = Object.values(codeTables).flatMap((t) => Object.keys(t));
    const twice = declared.filter((id, i) => declared.indexOf(id) !== i);
    expect(twice).toEqual([]);
    expect(Object.keys(codes).sort()).toEqual([...declared].sort());
    expect(declared.length).toBeGreaterThan(150);
  });

  it('gives every id a hint and an exit status that fits its severity', () => {
    const bad: string[] = [];
    for (const [id, code] of Object.entries(codes)) {
      if (code.hint.trim().length < 5) bad.push(`${id}: hint "${code.hint}"`);
      if (code.title.trim() === '') bad.push(`${id}: no title`);
      const fits = code.severity === 'warning' ? code.exit === 0 : id === 'internal-error' ? code.exit === 70 : code.exit === 1;
      if (!fits) bad.push(`${id}: ${code.severity} with exit ${code.exit}`);
    }
    expect(bad).toEqual([]);
  });

  it('knows every id that src/ raises', async () => {
    const raised = await raisedIds();
    // the scan must see the ids it claims to check, or it proves nothing
    expect(raised.size).toBeGreaterThan(120);
    for (const known of ['no-recipes', 'tool-failed', 'box-no-qemu', 'kconfig-redefined-strict', 'md5-mismatch', 'image-unpinned']) expect(raised.has(known), known).toBe(true);
    const unknown = [...raised].filter(([id]) => !isDiagnosticId(id)).map(([id, file]) => `${file}: ${id}`);
    expect(unknown).toEqual([]);
  });

  it('is the only place ids are declared: no module registers its own any more', async () => {
    const offenders: string[] = [];
    for (const file of await tsSources(src)) {
      const rel = relative(src, file);
      if (rel.startsWith('diagnostics/')) continue;
      const code = await readFile(file, 'utf8');
      if (/registerCodes|satisfies Record<string, DiagnosticCode>/.test(code)) offenders.push(rel);
    }
    expect(offenders).toEqual([]);
  });

  it('makes an undeclared id a compile error', () => {
    // @ts-expect-error 'no-such-id' is not a DiagnosticId
    expect(() => diag('no-such-id', undefined, 'x')).toThrow();
  });

  it('decides the exit status of a run from its errors (warnings never raise it)', () => {
    expect(exitFor([diag('no-recipes', undefined, 'x')])).toBe(1);
    expect(exitFor([diag('tcz-empty', undefined, 'x'), diag('md5-missing', undefined, 'x')])).toBe(1);
    expect(exitFor([diag('no-recipes', undefined, 'x'), diag('internal-error', undefined, 'x')])).toBe(70);
  });

  it('is what docs/diagnostics.md lists (npm run diagnostics-doc rewrites it)', async () => {
    expect(await readFile(join(root, 'docs', 'diagnostics.md'), 'utf8')).toBe(renderDiagnosticsDoc());
  });
});
