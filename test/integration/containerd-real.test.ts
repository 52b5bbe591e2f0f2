/**
 * The generated init scripts against the real containerd, runc and ctr from Debian: build
 * containerd.tcz (and a faasd-kind extension with a bundled image) through the real builder,
 * load them into a scratch root the way tce-load does, start containerd with the generated
 * script in its own mount namespace, import the image with the generated import step, stop.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchedSource, GeneratedFile } from '../../src/builder/types.js';
import { packSquashfs } from '../../src/builder/pack.js';
import { stageRecipe } from '../../src/builder/stage.js';
import { generateInitFiles, imageTarballPath } from '../../src/initd/index.js';
import type { Recipe } from '../../src/recipe/model.js';
import { makeDockerArchive } from '../initd/helpers/docker-archive.js';
import { recipeFromYaml, target } from '../initd/helpers/recipe.js';
import { makeTceRoot, type TceRoot } from '../initd/helpers/tce-root.js';

const imageRef = 'docker.io/library/tczdemo:1.0';
const head = 'description: d\nauthor: a\noriginal-site: s\ncopying-policy: MIT\n';

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Recipe YAML with local file sources, their sha256 computed from the files themselves. */
async function fileSources(files: Record<string, string>): Promise<string> {
  const lines = ['sources:'];
  for (const [from, to] of Object.entries(files)) lines.push(`  - { url: "file://${from}", sha256: ${await sha256(from)}, install: { to: ${to}, mode: "0755" } }`);
  return lines.join('\n') + '\n';
}

async function fetched(recipe: Recipe): Promise<FetchedSource[]> {
  return Promise.all(
    recipe.sources.map(async (spec) => {
      const path = spec.url.replace(/^file:\/\//, '');
      return { spec, path, sha256: await sha256(path), size: (await stat(path)).size };
    }),
  );
}

async function build(recipe: Recipe, extra: GeneratedFile[], outFile: string, work: string): Promise<void> {
  const generated = [...generateInitFiles(recipe, target), ...extra];
  const stageDir = join(work, `${recipe.name}-root`);
  const { table } = await stageRecipe({ recipe, sources: await fetched(recipe), overlaysDir: join(work, 'overlays'), generated, stageDir, env: process.env });
  await packSquashfs({ stageDir, table, outFile, epoch: 0, env: process.env });
}

/** Running and not a zombie (this machine's init may not reap orphans). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/\) Z /.test(readStat(pid));
}

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}

describe('generated init scripts with the real containerd', () => {
  let work: string;
  let tce: TceRoot;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tczbuild-containerd-'));
  });

  afterAll(async () => {
    await tce?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('builds containerd.tcz from the Debian binaries and a faasd-kind extension with a bundled image', async () => {
    const config = join(work, 'config.toml');
    await writeFile(config, 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n');
    const containerd = recipeFromYaml(
      `name: containerd\nversion: "1.6"\n${head}` +
        (await fileSources({
          '/usr/bin/containerd': 'usr/local/bin/containerd',
          '/usr/bin/containerd-shim-runc-v2': 'usr/local/bin/containerd-shim-runc-v2',
          '/usr/bin/ctr': 'usr/local/bin/ctr',
          '/usr/sbin/runc': 'usr/local/sbin/runc',
        })) +
        `  - { url: "file://${config}", sha256: ${await sha256(config)}, install: { to: usr/local/etc/containerd/config.toml } }\n` +
        `services:
  cgroupfs: { kind: cgroupfs }
  containerd:
    kind: containerd
    requires: [cgroupfs]
    config: /usr/local/etc/containerd/config.toml
    modules: [overlay, bridge, br_netfilter, veth]
    sysctl: { net.ipv4.conf.all.forwarding: "1" }
    ready-timeout: 30
`,
    );
    // The stub stands in for faasd's two daemons only: it serves no gateway, so start checks
    // the daemons are alive (gateway: null) instead of waiting for OpenFaaS to answer.
    const stub = join(work, 'faasd-stub');
    await writeFile(stub, '#!/bin/sh\ntrap \'exit 0\' TERM\nwhile :; do sleep 1 & wait $!; done\n');
    const demo = recipeFromYaml(
      `name: demo\nversion: "1"\n${head}depends: [containerd]\n` +
        (await fileSources({ [stub]: 'usr/local/bin/faasd' })) +
        `images:\n  - { ref: ${imageRef}, digest: unpinned }\n` +
        `services:\n  faasd: { kind: faasd, namespace: default, requires: [containerd], wait-containerd: 30, gateway: null }\n`,
    );
    const tarball = join(work, 'tczdemo.tar');
    await writeFile(tarball, await makeDockerArchive('tczdemo:1.0', { hello: 'hello from tczbuild\n' }));
    const root = join(work, 'root');
    tce = await makeTceRoot(root);
    await build(containerd, [], join(root, 'tmp/containerd.tcz'), work);
    await build(demo, [{ path: imageTarballPath('demo', imageRef), content: { fromFile: tarball }, mode: 0o644 }], join(root, 'tmp/demo.tcz'), work);
    const listing = await execa('unsquashfs', ['-lls', join(root, 'tmp/containerd.tcz')]);
    expect(listing.stdout).toMatch(/-rwxr-xr-x root\/root .* squashfs-root\/usr\/local\/etc\/init.d\/containerd$/m);
    expect(listing.stdout).toMatch(/-rwxrwxr-x root\/staff .* squashfs-root\/usr\/local\/tce.installed\/containerd$/m);
  });

  it('loads both extensions into a scratch root the way tce-load does', async () => {
    for (const name of ['containerd', 'demo']) {
      const r = await tce.load(name);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const link = await tce.exec(['readlink', '/usr/local/bin/containerd']);
    expect(link.stdout.trim()).toBe('/tmp/tcloop/containerd/usr/local/bin/containerd');
  });

  it('containerd start mounts cgroups and brings up a daemon whose socket answers', async () => {
    const r = await tce.exec(['/usr/local/etc/init.d/containerd', 'start'], 90_000);
    expect(r.stdout).toMatch(/containerd: running \(pid \d+\)/);
    expect(r.code).toBe(0);
    expect((await tce.exec(['/usr/local/etc/init.d/cgroupfs', 'status'])).code).toBe(0);
    const version = await tce.exec(['/usr/local/bin/ctr', 'version']);
    expect(version.stdout).toMatch(/Server:\s+Version:/);
    const mounts = (await tce.exec(['/bin/cat', '/proc/mounts'])).stdout;
    expect(mounts).toContain('cgroup /sys/fs/cgroup tmpfs ');
    expect(mounts).toContain('cgroup /sys/fs/cgroup/memory cgroup ');
    const log = await readFile(join(tce.root, 'var/log/containerd.log'), 'utf8');
    expect(log).not.toContain('no cgroup mount found');
    expect(log).not.toContain('level=error');
    expect((await tce.exec(['/usr/local/etc/init.d/containerd', 'status'])).code).toBe(0);
  });

  it('the faasd script imports the bundled image tarball, and ctr image ls shows it', async () => {
    const r = await tce.exec(['/usr/local/etc/init.d/faasd', 'start'], 90_000);
    expect(r.stdout).toContain(`faasd: imported ${imageRef} into namespace default`);
    expect(r.code).toBe(0);
    const ls = await tce.exec(['/usr/local/bin/ctr', '-n', 'default', 'image', 'ls', '-q']);
    expect(ls.stdout.split('\n')).toContain(imageRef);
    const again = await tce.exec(['/usr/local/etc/init.d/faasd', 'import']);
    expect(again.stdout).toContain(`image ${imageRef} is already in namespace default`);
  });

  it('stop ends faasd and the containerd daemon; status then exits 3', async () => {
    const pid = Number((await readFile(join(tce.root, 'var/run/containerd.pid'), 'utf8')).trim());
    expect((await tce.exec(['/usr/local/etc/init.d/faasd', 'stop'])).code).toBe(0);
    const stop = await tce.exec(['/usr/local/etc/init.d/containerd', 'stop'], 30_000);
    expect(stop.stdout).toContain('containerd stopped');
    expect(stop.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect((await tce.exec(['/usr/local/etc/init.d/containerd', 'status'])).code).toBe(3);
  });

  it('faasd start alone starts containerd first (requires:), and the imported image survived the restart', async () => {
    const r = await tce.exec(['/usr/local/etc/init.d/faasd', 'start'], 90_000);
    expect(r.stdout).toMatch(/containerd: running \(pid \d+\)/);
    expect(r.stdout).toContain(`image ${imageRef} is already in namespace default`);
    expect(r.code).toBe(0);
    expect((await tce.exec(['/usr/local/etc/init.d/faasd', 'stop'])).code).toBe(0);
    expect((await tce.exec(['/usr/local/etc/init.d/containerd', 'stop'], 30_000)).code).toBe(0);
  });

  it('leaves no loop device behind once the namespace is gone', async () => {
    await tce.close();
    // The kernel tears a dropped mount namespace down asynchronously; give it a moment.
    let loops = '';
    for (let i = 0; i < 50; i++) {
      loops = (await execa('losetup', ['-a'])).stdout;
      if (!loops.includes(work)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(loops).not.toContain(work);
  });
});
