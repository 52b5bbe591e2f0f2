import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const head = (name: string, extra = ''): string => `name: ${name}\nversion: "1"\ndescription: d\nauthor: a\noriginal-site: https://example.invalid/\ncopying-policy: ${extra || 'MIT'}\n`;

describe('lint --strict, for CI', () => {
  it('refuses TODO values, unsupported glob syntax, a missing overlay and an escaping symlink; plain lint lets them pass', async () => {
    const dir = await testdir({
      'recipes/rough.yaml': `${head('rough', 'TODO   # the licence')}overlays: [nowhere]\nfiles:\n  - { path: "usr/local/bin/{a,b}", mode: "0755" }\nsymlinks:\n  - { path: usr/local/bin/up, target: ../../../../etc/passwd }\n`,
    });
    const plain = await tczbuild(['lint', '--json'], { cwd: dir });
    expect(plain.code, plain.stdout).toBe(0);
    const strict = await tczbuild(['lint', '--strict', '--json'], { cwd: dir });
    expect(strict.code).toBe(1);
    expect(diagnosticsOf(strict).map((d) => [d.id, d.line])).toEqual([
      ['strict-todo', 6],
      ['strict-overlay-missing', 7],
      ['strict-glob-syntax', 9],
      ['strict-symlink-escapes', 11],
    ]);
  });

  it('passes a clean project', async () => {
    const dir = await testdir({ 'recipes/clean.yaml': `${head('clean')}overlays: [clean]\n`, 'rootfs-overlays/clean/usr/local/share/clean/readme': 'x\n' });
    const r = await tczbuild(['lint', '--strict', '--json'], { cwd: dir });
    expect([r.code, diagnosticsOf(r)]).toEqual([0, []]);
  });
});
