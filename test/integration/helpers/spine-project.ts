/**
 * A small project shaped like the flagship recipes: `base` (an archive with bin/ and lib/, an
 * overlay, ownership overrides, a declared directory and link), `app` (a single-file source,
 * depends on base and an upstream extension) and `solo` (independent). Sources are generated
 * tarballs served over a real HTTP server on 127.0.0.1.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFixtureServer, type FixtureServer } from '../../helpers/fixture-server.js';
import { makeTarGz } from '../../helpers/tarball.js';
import { testdir, writeTree } from '../../helpers/testdir.js';

export interface SpineProject {
  readonly dir: string;
  readonly server: FixtureServer;
  readonly sources: { base: Buffer; app: Buffer; solo: Buffer };
  /** Replace base's archive with new bytes and re-pin its recipe. */
  bumpBase(marker: string): Promise<void>;
  /** Stop the server and remove the project. */
  close(): Promise<void>;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function baseArchive(marker = 'v1'): Promise<Buffer> {
  return makeTarGz([
    { name: 'base-1.0/', type: 'directory', mode: 0o775 },
    { name: 'base-1.0/bin/', type: 'directory', mode: 0o700 },
    { name: 'base-1.0/bin/basetool', content: `#!/bin/sh\necho basetool ${marker}\n`, mode: 0o700 },
    { name: 'base-1.0/bin/helper', content: '#!/bin/sh\necho helper\n', mode: 0o775 },
    { name: 'base-1.0/lib/', type: 'directory' },
    { name: 'base-1.0/lib/data.bin', content: Buffer.alloc(70_000, 7), mode: 0o600 },
    { name: 'base-1.0/share/doc/README', content: 'not shipped' },
  ]);
}

function baseRecipe(url: string, hash: string): string {
  return `# base: a library-like extension
name: base
version: "1.0"
description: Base tools
author: Base Authors
original-site: https://example.invalid/base
copying-policy: Apache-2.0
tags: [base, test]
comments: Base comments
sources:
  - url: ${url}/base-\${version}.tar.gz
    sha256: ${hash}
    extract: { strip: 1, into: usr/local, include: [bin, lib] }
overlays: [base]
files:
  - { path: usr/local/lib/data.bin, mode: "0640", group: staff }
directories:
  - { path: usr/local/share/base, mode: "0755" }
symlinks:
  - { path: usr/local/bin/bt, target: basetool }
runtime-paths: [var/lib/base]
`;
}

export async function createSpineProject(): Promise<SpineProject> {
  const dir = await testdir({}, { keep: true });
  const sources = { base: await baseArchive(), app: Buffer.from('#!/bin/sh\necho app\n'), solo: await makeTarGz([{ name: 'solo.txt', content: 'solo\n' }]) };
  const server = await startFixtureServer({
    '/base-1.0.tar.gz': { body: sources.base },
    '/app': { body: sources.app },
    '/solo.tgz': { body: sources.solo },
  });
  await writeTree(dir, {
    'rootfs-overlays/base/usr/local/etc/base.conf': 'conf=1\n',
    'rootfs-overlays/base/usr/local/bin/overlay-tool': { content: '#!/bin/sh\n', mode: 0o755 },
    'recipes/app.yaml': `name: app
version: "2.0"
description: The app
author: App Authors
original-site: https://example.invalid/app
copying-policy: MIT
depends: [base, iptables]
sources:
  - url: ${server.url}/app
    sha256: ${sha256(sources.app)}
    install: { to: usr/local/bin/app }
`,
    'recipes/solo.yaml': `name: solo
version: "0.1"
description: Independent
author: Solo
original-site: https://example.invalid/solo
copying-policy: MIT
sources:
  - url: ${server.url}/solo.tgz
    sha256: ${sha256(sources.solo)}
    extract: { into: usr/local/share/solo }
`,
  });
  await writeFile(join(dir, 'recipes/base.yaml'), baseRecipe(server.url, sha256(sources.base)));
  await mkdir(join(dir, 'out-parent'), { recursive: true });
  return {
    dir,
    server,
    sources,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
    async bumpBase(marker) {
      const next = await baseArchive(marker);
      server.route('/base-1.0.tar.gz', { body: next });
      await writeFile(join(dir, 'recipes/base.yaml'), baseRecipe(server.url, sha256(next)));
    },
  };
}
