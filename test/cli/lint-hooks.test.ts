import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const head = 'name: hooked\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: https://example.invalid/\ncopying-policy: MIT\n';

async function lint(hook: string) {
  const dir = await testdir({ 'recipes/hooked.yaml': `${head}hooks:\n  installed: |\n${hook.replace(/^/gm, '    ')}\n` });
  return tczbuild(['lint', '--json'], { cwd: dir });
}

describe('lint reads hooks.installed with ash -n and shellcheck', () => {
  it('a clean body passes', async () => {
    const r = await lint('mkdir -p "$ROOT/etc/hooked"\necho ok >"$ROOT/etc/hooked/state"');
    expect(diagnosticsOf(r)).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('a syntax error is an error at the recipe line of the body, and lint exits 1', async () => {
    const r = await lint('echo start\nif [ -d /x ]; then\n  echo never closed\n');
    const d = diagnosticsOf(r);
    expect(d.map((x) => x.id)).toContain('hook-syntax');
    const syntax = d.find((x) => x.id === 'hook-syntax')!;
    expect(syntax.file).toMatch(/recipes\/hooked\.yaml$/);
    expect(syntax.message).toMatch(/^hooked: hooks\.installed/);
    expect(r.code).toBe(1);
  });

  it('a shellcheck warning names the line inside the body and its code', async () => {
    const r = await lint('echo fine\nfor f in $(ls /tmp); do echo $f; done');
    const d = diagnosticsOf(r).filter((x) => x.id === 'hook-shellcheck');
    expect(d.map((x) => x.message)).toContain('hooked: hooks.installed line 2: SC2045 (error): Iterating over ls output is fragile. Use globs.');
    // head: 6 lines, hooks: 7, installed: | 8, the body's first line 9, its second 10
    expect(d.map((x) => x.line)).toEqual(d.map(() => 10));
    expect(r.code).toBe(0);
  });
});
