/**
 * The project the booted-box integration tests share: the stand-in box (scripts/make-standin-box.sh),
 * containerd.tcz built by tczbuild from Debian's containerd, runc and CNI binaries with the
 * repository's own containerd recipe (only its sources swapped for file:// URLs of those
 * binaries, hashed here), overlayfs-<release>.tcz from `kernel-module build` against Debian's
 * headers, and a stand-in upstream mirror with iptables.tcz and netfilter-<release>.tcz built
 * by tczbuild fixture recipes from Debian's files. Nothing here is faked: a missing tool fails.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { startMirrorServer, type MirrorServer } from '../../../src/mirror/server.js';
import { runTool } from '../../../src/util/exec.js';
import { tczbuild } from '../../helpers/cli.js';
import { cacheDir, debianHeadersDir, ensureLinuxTree } from '../../kconfig/linux-tree.js';

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const tcVersion = '11';

export interface BoxProject {
  readonly dir: string;
  readonly box: string;
  readonly release: string;
  readonly tczDir: string;
  readonly upstream: MirrorServer;
}

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

async function fileSource(id: string, path: string, to: string, mode = '0755'): Promise<Record<string, unknown>> {
  return { id, url: `file://${path}`, sha256: await sha256(path), install: { to, mode } };
}

async function must(run: Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<void> {
  const r = await run;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** recipes/containerd.yaml with its upstream release sources replaced by Debian's installed binaries. */
async function debianContainerdRecipe(): Promise<string> {
  const doc = parseDocument(await readFile(join(repoRoot, 'recipes/containerd.yaml'), 'utf8'));
  const sources = [];
  for (const bin of ['containerd', 'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'ctr']) sources.push(await fileSource(bin, `/usr/bin/${bin}`, `usr/local/bin/${bin}`));
  sources.push(await fileSource('runc', '/usr/sbin/runc', 'usr/local/sbin/runc'));
  // Debian's runc links libseccomp (upstream's release binary is static)
  sources.push(await fileSource('libseccomp', '/lib/x86_64-linux-gnu/libseccomp.so.2', 'usr/local/lib/libseccomp.so.2', '0644'));
  for (const plugin of (await readdir('/usr/lib/cni')).sort()) sources.push(await fileSource(`cni-${plugin}`, `/usr/lib/cni/${plugin}`, `usr/local/lib/cni/bin/${plugin}`));
  doc.set('sources', doc.createNode(sources));
  return doc.toString();
}

const upstreamInfo = (name: string, what: string): string => `name: ${name}
version: "debian"
description: ${what} (stand-in for TinyCore's, built from Debian's files)
author: Debian
original-site: https://www.debian.org/
copying-policy: GPL-2.0
`;

/** iptables.tcz from Debian's iptables-legacy: the multi-call binary, its libraries and extensions. */
async function iptablesRecipe(): Promise<string> {
  const sources = [await fileSource('xtables-legacy-multi', '/usr/sbin/xtables-legacy-multi', 'usr/local/sbin/xtables-legacy-multi')];
  for (const lib of ['libxtables.so.12', 'libip4tc.so.2', 'libip6tc.so.2']) sources.push(await fileSource(lib, `/lib/x86_64-linux-gnu/${lib}`, `usr/local/lib/${lib}`, '0644'));
  // xtables-legacy-multi looks for its match/target extensions at the path Debian compiled in
  const xt = '/usr/lib/x86_64-linux-gnu/xtables';
  const extensions = (await readdir(xt)).filter((n) => n.endsWith('.so')).sort();
  for (const [i, so] of extensions.entries()) sources.push(await fileSource(`xt-${i}-${so.toLowerCase()}`, `${xt}/${so}`, `usr/lib/x86_64-linux-gnu/xtables/${so}`, '0644'));
  const links = ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore'].map((l) => ({ path: `usr/local/sbin/${l}`, target: 'xtables-legacy-multi' }));
  return `${upstreamInfo('iptables', 'iptables (legacy)')}sources: ${JSON.stringify(sources)}\nsymlinks: ${JSON.stringify(links)}\n`;
}

/** netfilter-<release>.tcz: the xtables match/target modules the CNI bridge plugin needs (the box has the core tables). */
async function netfilterRecipe(release: string): Promise<string> {
  const mods = ['xt_comment', 'xt_MASQUERADE', 'xt_conntrack', 'xt_addrtype', 'xt_mark', 'xt_multiport', 'xt_nat', 'xt_tcpudp'];
  const sources = [];
  for (const m of mods) {
    const path = `/lib/modules/${release}/kernel/net/netfilter/${m}.ko`;
    sources.push(await fileSource(m.toLowerCase().replace(/_/g, '-'), path, `usr/local/lib/modules/${release}/kernel/net/netfilter/${m}.ko`, '0644'));
  }
  return `${upstreamInfo(`netfilter-${release}`, 'netfilter modules')}sources: ${JSON.stringify(sources)}\n`;
}

export async function kernelRelease(): Promise<string> {
  const boot = (await readdir('/boot')).filter((n) => /^vmlinuz-.*-amd64$/.test(n)).sort();
  if (boot.length === 0) throw new Error('no /boot/vmlinuz-*-amd64: apt-get install linux-image-amd64 (scripts/setup.sh does)');
  return boot[boot.length - 1]!.slice('vmlinuz-'.length);
}

/** The stand-in box, the mirror with containerd.tcz and overlayfs-<release>.tcz, and the stand-in upstream. */
export async function createBoxProject(dir: string, extraRecipes: Record<string, string> = {}, extraOverlays: Record<string, string> = {}): Promise<BoxProject> {
  const release = await kernelRelease();
  await runTool(join(repoRoot, 'scripts/make-standin-box.sh'), [join(dir, 'box')]);

  await mkdir(join(dir, 'recipes'), { recursive: true });
  await writeFile(join(dir, 'recipes/containerd.yaml'), await debianContainerdRecipe());
  for (const [name, text] of Object.entries(extraRecipes)) await writeFile(join(dir, 'recipes', `${name}.yaml`), text);
  for (const [rel, text] of Object.entries(extraOverlays)) {
    await mkdir(join(dir, 'rootfs-overlays', rel, '..'), { recursive: true });
    await writeFile(join(dir, 'rootfs-overlays', rel), text, { mode: 0o755 });
  }
  await copyOverlay(join(repoRoot, 'rootfs-overlays/containerd'), join(dir, 'rootfs-overlays/containerd'));
  await must(tczbuild(['build', 'containerd', ...Object.keys(extraRecipes), '--tc-version', tcVersion], { cwd: dir }), 'tczbuild build');

  const tczDir = join(dir, 'out', `${tcVersion}.x`, 'x86_64', 'tcz');
  const built = await overlayModule(release);
  for (const f of await readdir(built)) await copyFile(join(built, f), join(tczDir, f));

  // the stand-in upstream TinyCore mirror
  const up = join(dir, 'upstream');
  await mkdir(join(up, 'recipes'), { recursive: true });
  await writeFile(join(up, 'recipes/iptables.yaml'), await iptablesRecipe());
  await writeFile(join(up, `recipes/netfilter-${release}.yaml`), await netfilterRecipe(release));
  await must(tczbuild(['build', 'iptables', `netfilter-${release}`, '--tc-version', tcVersion], { cwd: up }), 'tczbuild build (upstream stand-ins)');
  const upstream = await startMirrorServer({ root: join(up, 'out'), host: '127.0.0.1', port: 0 });
  return { dir, box: join(dir, 'box/box.yaml'), release, tczDir, upstream };
}

/**
 * overlayfs-<release>.tcz from `kernel-module build` against Debian's headers, as if the box's
 * kernel lacked overlayfs. Kept in the test cache beside the unpacked Linux tree, so later runs
 * on this machine skip the compile (kernel-module-build.test.ts tests the build itself).
 */
async function overlayModule(release: string): Promise<string> {
  const out = join(cacheDir, `overlayfs-${release}`);
  if (existsSync(join(out, `overlayfs-${release}.tcz`))) return out;
  const headers = await debianHeadersDir();
  const tree = await ensureLinuxTree();
  const km = await mkdtemp(join(cacheDir, '.overlayfs-'));
  try {
    await writeFile(join(km, 'no-overlay.config'), (await readFile(join(headers, '.config'), 'utf8')).replace(/^CONFIG_OVERLAY_FS=m$/m, '# CONFIG_OVERLAY_FS is not set'));
    await must(tczbuild(['kernel-module', 'build', '--source', tree, '--headers', headers, '--base-config', 'no-overlay.config', '--out', 'out', '--jobs', '2'], { cwd: km }), 'kernel-module build');
    await rename(join(km, 'out'), out).catch((error: unknown) => {
      if (!existsSync(join(out, `overlayfs-${release}.tcz`))) throw error;
    });
  } finally {
    await rm(km, { recursive: true, force: true });
  }
  return out;
}

async function copyOverlay(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  await runTool('cp', ['-a', `${from}/.`, `${to}/`]);
}

/** A stub faasd that records its argv and stays up like the real daemons (the real one cannot be had here). */
const stubFaasd = '#!/bin/sh\necho "faasd $*" >>/var/log/faasd-stub.argv\nexec sleep 100000\n';

/**
 * faasd.tcz from the repository's faasd recipe with a stub faasd and faas-cli and one image,
 * bundled from a local registry: `tczbuild pin` resolves its digest there and `tczbuild build`
 * packs it, as on a build VM (registryUrl stands in for docker.io).
 */
export async function addFaasd(project: BoxProject, registryUrl: string, ref: string): Promise<void> {
  const dir = project.dir;
  const stub = join(dir, 'faasd-stub');
  await writeFile(stub, stubFaasd, { mode: 0o755 });
  const doc = parseDocument(await readFile(join(repoRoot, 'recipes/faasd.yaml'), 'utf8'));
  doc.set('sources', doc.createNode([await fileSource('faasd', stub, 'usr/local/bin/faasd'), await fileSource('faas-cli', stub, 'usr/local/bin/faas-cli')]));
  doc.set('images', doc.createNode([{ ref, digest: 'unpinned' }]));
  await writeFile(join(dir, 'recipes/faasd.yaml'), doc.toString());
  await copyOverlay(join(repoRoot, 'rootfs-overlays/faasd'), join(dir, 'rootfs-overlays/faasd'));
  const mirror = ['--registry-mirror', `docker.io=${registryUrl}`];
  await must(tczbuild(['pin', 'faasd', '--cache', 'cache', ...mirror], { cwd: dir }), 'tczbuild pin faasd');
  await must(tczbuild(['build', 'faasd', '--cache', 'cache', '--tc-version', tcVersion, ...mirror], { cwd: dir }), 'tczbuild build faasd');
}
