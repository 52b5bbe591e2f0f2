/**
 * Issue 22: an aarch64 (piCore64) target is planned at the paths a piCore64 box reads. Core-scripts'
 * getBuild() maps `uname -m` aarch64 to "aarch64" and getMirror() appends `<major>.x/aarch64/tcz`,
 * so `all --target 16.x/aarch64` publishes into out/16.x/aarch64/tcz, fetches the upstream index
 * from <upstream>/16.x/aarch64/tcz, and picks the recipe's aarch64 source (goarch arm64).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { findRelease } from '../../src/tinycore/releases.js';
import { runTool } from '../../src/util/exec.js';
import { diagnosticsOf, tczbuild } from '../helpers/cli.js';
import { startFixtureServer } from '../helpers/fixture-server.js';
import { recipeText } from '../helpers/recipe-text.js';
import { testdir } from '../helpers/testdir.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const arm = Buffer.from('tool for arm64\n');
const amd = Buffer.from('tool for amd64\n');

describe('an aarch64 (piCore64) target', () => {
  it('has release entries only where a source names the kernel, with glibc unknown and the AArch64 loader', () => {
    expect(findRelease('16.x', 'aarch64')).toMatchObject({ kernel: '6.12.25-piCore-v8', glibc: 'unknown', loader: '/lib/ld-linux-aarch64.so.1' });
    expect(findRelease('15', 'aarch64')?.kernel).toBe('6.6.34-piCore-v8');
    expect(findRelease('14', 'aarch64')?.kernel).toBe('6.1.68-piCore-v8');
    expect(findRelease('16', 'aarch64')?.baseLibs).toContain('ld-linux-aarch64.so.1');
    for (const v of ['11', '12', '13', '17']) expect(findRelease(v, 'aarch64')).toBeUndefined();
  });

  it('all --target 16.x/aarch64 fetches the arm64 source and the 16.x/aarch64 upstream index, and publishes into 16.x/aarch64/tcz', async () => {
    const server = await startFixtureServer({
      '/dl/tool-arm64': { body: arm },
      '/dl/tool-amd64': { body: amd },
      '/tc/16.x/aarch64/tcz/md5.db.gz': { body: gzipSync(`${'a'.repeat(32)}  openssl.tcz\n`) },
    });
    try {
      const recipe = recipeText(
        'tool',
        `depends: [openssl]
sources:
  - { id: bin, url: "${server.url}/dl/tool-\${goarch}", sha256: ${sha(arm)}, arch: [aarch64], install: { to: usr/local/bin/tool, mode: "0755" } }
  - { id: bin64, url: "${server.url}/dl/tool-\${goarch}", sha256: ${sha(amd)}, arch: [x86_64], install: { to: usr/local/bin/tool, mode: "0755" } }
`,
      );
      const dir = await testdir({ 'recipes/tool.yaml': recipe });
      const explain = await tczbuild(['explain', '--target', '16.x/aarch64'], { cwd: dir });
      expect(explain.code, explain.stdout + explain.stderr).toBe(0);
      const run = await tczbuild(['all', '--target', '16.x/aarch64', '--upstream', `${server.url}/tc/`, '--cache', 'cache', '--json'], { cwd: dir });
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(diagnosticsOf(run).filter((d) => d.severity === 'error')).toEqual([]);
      expect(server.requests).toContain('/tc/16.x/aarch64/tcz/md5.db.gz');
      expect(server.requests.filter((p) => p.startsWith('/tc/')).every((p) => p.startsWith('/tc/16.x/aarch64/tcz/'))).toBe(true);
      expect(server.requests).toContain('/dl/tool-arm64');
      expect(server.requests).not.toContain('/dl/tool-amd64');
      const tcz = join(dir, 'out/16.x/aarch64/tcz');
      expect(await readFile(join(tcz, 'tool.tcz.dep'), 'utf8')).toBe('openssl.tcz\n');
      const md5 = createHash('md5').update(await readFile(join(tcz, 'tool.tcz'))).digest('hex');
      expect(await readFile(join(tcz, 'tool.tcz.md5.txt'), 'utf8')).toBe(`${md5}  tool.tcz\n`);
      const shown = await runTool('unsquashfs', ['-cat', join(tcz, 'tool.tcz'), 'usr/local/bin/tool'], { env: process.env });
      expect(shown.stdout).toBe(arm.toString());
      // the merged mirror index names upstream's extension next to ours, as a piCore64 box's tce-update needs
      const md5db = (await runTool('sh', ['-c', `gzip -dc '${join(tcz, 'md5.db.gz')}'`], { env: process.env })).stdout;
      expect(md5db).toContain('openssl.tcz');
      expect(md5db).toContain(`${md5}  tool.tcz`);
    } finally {
      await server.close();
    }
  }, 60_000);
});
