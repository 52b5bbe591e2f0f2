/**
 * Issue 20, causes kept on every rethrow: inside a `catch (error)` block or a `.catch(error =>`
 * handler in src/, an error raised in place of the caught one (fail(), new TczError, new Error)
 * hands the caught error on as its cause, so `--verbose` can show the errno or the library's
 * reason under the diagnostic. A handler that drops its error (`catch {`, `.catch(() =>`) may
 * not raise one. src/demo/ (the demo driver, not tczbuild) is left out.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { tsSources } from '../helpers/source-files.js';

const src = join(import.meta.dirname, '..', '..', 'src');

/** The text from `open` (just past an opening bracket) to its matching closing bracket. */
function until(code: string, open: number, opener: string, closer: string): string {
  let depth = 1;
  let i = open;
  for (; i < code.length && depth > 0; i++) {
    if (code[i] === opener) depth++;
    else if (code[i] === closer) depth--;
  }
  return code.slice(open, i - 1);
}

/** Each handler: the name it binds the caught error to (undefined when it binds none) and its body. */
function handlers(code: string): Array<{ bound: string | undefined; body: string; at: number }> {
  const out: Array<{ bound: string | undefined; body: string; at: number }> = [];
  for (const m of code.matchAll(/\bcatch\s*(?:\((\w+)[^)]*\))?\s*\{/g)) out.push({ bound: m[1], body: until(code, m.index + m[0].length, '{', '}'), at: m.index });
  for (const m of code.matchAll(/\.catch\(\s*(?:\(\s*(\w*)\s*(?::[^)]*)?\)|(\w+))\s*=>/g)) {
    out.push({ bound: m[1] || m[2] || undefined, body: until(code, m.index + '.catch('.length, '(', ')'), at: m.index });
  }
  return out;
}

/** Each error raised in a handler body, as the text of its call. */
function raised(body: string): Array<{ kind: string; text: string }> {
  return [...body.matchAll(/\b(fail|new TczError|new Error)\(/g)].map((m) => ({ kind: m[1]!, text: until(body, m.index + m[0].length, '(', ')') }));
}

function keepsCause(kind: string, text: string, bound: string): boolean {
  if (kind === 'fail') return new RegExp(`,\\s*${bound}\\s*,?\\s*$`).test(text);
  return new RegExp(`\\bcause:\\s*${bound}\\b`).test(text) || (bound === 'cause' && /\{\s*cause\s*\}/.test(text));
}

describe('causes kept on rethrow', () => {
  it('hands the caught error on as the cause wherever a handler raises another', async () => {
    const offenders: string[] = [];
    let checked = 0;
    for (const file of await tsSources(src)) {
      const rel = relative(src, file);
      if (rel.startsWith('demo/')) continue;
      // comments blanked, their newlines kept, so line numbers stay true
      const code = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, (c) => c.replace(/[^\n]/g, ''));
      for (const h of handlers(code)) {
        for (const r of raised(h.body)) {
          checked++;
          if (h.bound === undefined || !keepsCause(r.kind, r.text, h.bound)) offenders.push(`${rel}:${code.slice(0, h.at).split('\n').length}: ${r.kind}(${r.text.slice(0, 90)}…)`);
        }
      }
    }
    // the scan sees the many handlers that do wrap (exec.ts's tool-failed, publish's out-unwritable, …)
    expect(checked).toBeGreaterThan(15);
    expect(offenders).toEqual([]);
  });

  it('shows the cause under the diagnostic with --verbose, and not without', async () => {
    const dir = await testdir();
    await mkdir(join(dir, 'a-directory'));
    const plain = await tczbuild(['lint', '--config', 'a-directory'], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stdout + plain.stderr).toMatch(/error\[config-invalid\]/);
    expect(plain.stderr).not.toMatch(/caused by:/);
    const verbose = await tczbuild(['lint', '--config', 'a-directory', '--verbose'], { cwd: dir });
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^ {2}caused by: InputFileError: .*a-directory is a directory, not a regular file/m);
  });
});
