import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { makeTarGz } from '../helpers/tarball.js';
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
      ['strict-pattern-unmatched', 9], // "{a,b}" matches only itself, and nothing has that name
      ['strict-glob-syntax', 9],
      ['strict-symlink-escapes', 11],
    ]);
  });

  it('passes a clean project', async () => {
    const dir = await testdir({ 'recipes/clean.yaml': `${head('clean')}overlays: [clean]\n`, 'rootfs-overlays/clean/usr/local/share/clean/readme': 'x\n' });
    const r = await tczbuild(['lint', '--strict', '--json'], { cwd: dir });
    expect([r.code, diagnosticsOf(r)]).toEqual([0, []]);
  });

  describe('patterns that match nothing', () => {
    const archive = makeTarGz([
      { name: 'app-1.0/', type: 'directory' },
      { name: 'app-1.0/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
      { name: 'app-1.0/doc/README', content: 'read me\n' },
    ]);
    // lines: 13 include [.., bin/tol, ..], 15 exclude "man/**", 18 files "usr/local/share/app/*", 19 files "usr/local/lib/**"
    const recipe = (hex: string): string =>
      `${head('app')}sources:
  - url: http://127.0.0.1:9/dl/app-1.0.tar.gz
    sha256: ${hex}
    extract:
      strip: 1
      into: usr/local
      include: [bin/tool, bin/tol, doc]
      exclude:
        - man/**
overlays: [app]
files:
  - { path: usr/local/share/app/*, mode: "0644" }
  - { path: usr/local/lib/**, mode: "0644" }
  - { path: usr/local/bin/tool, mode: "0755" }
  - { path: usr/local/doc/*, mode: "0644" }
  - { path: etc/app/app.conf, mode: "0600" }
`;
    const project = async (cached: boolean): Promise<{ dir: string; hex: string }> => {
      const bytes = await archive;
      const hex = createHash('sha256').update(bytes).digest('hex');
      const dir = await testdir({
        'tczbuild.yaml': 'cache: cache\nsource-mirrors: [vendor]\n',
        'recipes/app.yaml': recipe(hex),
        'rootfs-overlays/app/etc/app/app.conf': 'x=1\n',
        'vendor/app-1.0.tar.gz': bytes,
        ...(cached ? { [`cache/sha256/${hex}`]: bytes } : {}),
      });
      return { dir, hex };
    };

    it('names the include, the exclude and the files: globs that match nothing, each at its line; plain lint is silent', async () => {
      const { dir } = await project(true);
      const plain = await tczbuild(['lint', '--json'], { cwd: dir });
      expect(plain.code, plain.stdout).toBe(0);
      expect(diagnosticsOf(plain).filter((d) => d.id.startsWith('strict-'))).toEqual([]);
      const strict = await tczbuild(['lint', '--strict', '--json'], { cwd: dir });
      expect(strict.code, strict.stdout).toBe(1);
      const found = diagnosticsOf(strict).filter((d) => d.id === 'strict-pattern-unmatched');
      expect(found.map((d) => [d.file, d.line])).toEqual([
        ['recipes/app.yaml', 13],
        ['recipes/app.yaml', 15],
        ['recipes/app.yaml', 18],
        ['recipes/app.yaml', 19],
      ]);
      expect(found.map((d) => d.message)).toEqual([
        expect.stringMatching(/^app: extract\.include "bin\/tol" matches nothing in source \S+ \(a tar\.gz of 3 entries, strip 1\)$/),
        expect.stringContaining('extract.exclude "man/**" matches nothing'),
        expect.stringContaining('files: "usr/local/share/app/*" matches nothing the build would stage'),
        expect.stringContaining('files: "usr/local/lib/**" matches nothing the build would stage'),
      ]);
    }, 30_000);

    it('leaves an archive that is not in the cache unjudged and says so, instead of guessing', async () => {
      const { dir } = await project(false);
      const strict = await tczbuild(['lint', '--strict', '--json'], { cwd: dir });
      expect(diagnosticsOf(strict).filter((d) => d.id === 'strict-pattern-unmatched')).toEqual([]);
      expect(strict.events.filter((e) => e.type === 'info').map((e) => e.message)).toContainEqual(expect.stringMatching(/^not checked: app: source \S+ is not in the download cache \(run `tczbuild fetch` first\)/));
      expect(strict.code, strict.stdout).toBe(0);
      const fetched = await tczbuild(['fetch', '--json'], { cwd: dir });
      expect(fetched.code, fetched.stdout + fetched.stderr).toBe(0);
      const after = await tczbuild(['lint', '--strict', '--json'], { cwd: dir });
      expect(diagnosticsOf(after).filter((d) => d.id === 'strict-pattern-unmatched')).toHaveLength(4);
    }, 30_000);

    it('the build refuses an include that matches nothing (archive-include-unmatched), naming the pattern', async () => {
      const { dir } = await project(false);
      const run = await tczbuild(['all', '--offline', '--json'], { cwd: dir });
      expect(run.code).toBe(1);
      const d = diagnosticsOf(run).find((x) => x.id === 'archive-include-unmatched');
      expect(d?.message).toContain('extract.include "bin/tol" matched nothing in the tar.gz archive (3 entries, strip 1)');
      expect(d?.file).toBe('recipes/app.yaml');
    }, 30_000);
  });
});
