/**
 * Recipes for trying extensions on the stand-in box with the binaries this machine already has:
 * the repository's containerd recipe with its release sources swapped for Debian's installed
 * containerd, runc (and the libseccomp it links) and CNI plugins, and stand-ins for TinyCore's
 * iptables.tcz and netfilter-KERNEL.tcz built from Debian's files. Sources are file:// URLs
 * hashed here, so the normal verified fetch applies. Used by `npm run demo` and the box tests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

export async function fileSource(id: string, path: string, to: string, mode = '0755'): Promise<Record<string, unknown>> {
  return { id, url: `file://${path}`, sha256: await sha256(path), install: { to, mode } };
}

/** recipes/containerd.yaml (read from repoRoot) with Debian's installed binaries as its sources. */
export async function debianContainerdRecipe(repoRoot: string): Promise<string> {
  const doc = parseDocument(await readFile(join(repoRoot, 'recipes/containerd.yaml'), 'utf8'));
  const sources = [];
  for (const bin of ['containerd', 'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'ctr']) sources.push(await fileSource(bin, `/usr/bin/${bin}`, `usr/local/bin/${bin}`));
  sources.push(await fileSource('runc', '/usr/sbin/runc', 'usr/local/sbin/runc'));
  // Debian's runc links libseccomp (upstream's release binary is static)
  sources.push(await fileSource('libseccomp', '/lib/x86_64-linux-gnu/libseccomp.so.2', 'usr/local/lib/libseccomp.so.2', '0644'));
  for (const plugin of (await readdir('/usr/lib/cni')).sort()) sources.push(await fileSource(`cni-${plugin}`, `/usr/lib/cni/${plugin}`, `usr/local/lib/cni/bin/${plugin}`));
  doc.set('sources', doc.createNode(sources));
  // The .info must name what is packed: Debian's builds, not the release the recipe pins.
  const version = debianVersion('containerd');
  doc.set('version', version);
  doc.set('comments', `Built from Debian's installed packages: containerd ${version}, runc ${debianVersion('runc')}, containernetworking-plugins ${debianVersion('containernetworking-plugins')}`);
  return doc.toString();
}

/** The installed version of a Debian package, as dpkg records it. */
function debianVersion(pkg: string): string {
  return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim();
}

const upstreamInfo = (name: string, what: string): string => `name: ${name}
version: "debian"
description: ${what} (stand-in for TinyCore's, built from Debian's files)
author: Debian
original-site: https://www.debian.org/
copying-policy: GPL-2.0
`;

/** iptables.tcz from Debian's iptables-legacy: the multi-call binary, its libraries and extensions. */
export async function iptablesRecipe(): Promise<string> {
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
export async function netfilterRecipe(release: string): Promise<string> {
  const mods = ['xt_comment', 'xt_MASQUERADE', 'xt_conntrack', 'xt_addrtype', 'xt_mark', 'xt_multiport', 'xt_nat', 'xt_tcpudp'];
  const sources = [];
  for (const m of mods) {
    const path = `/lib/modules/${release}/kernel/net/netfilter/${m}.ko`;
    sources.push(await fileSource(m.toLowerCase().replace(/_/g, '-'), path, `usr/local/lib/modules/${release}/kernel/net/netfilter/${m}.ko`, '0644'));
  }
  return `${upstreamInfo(`netfilter-${release}`, 'netfilter modules')}sources: ${JSON.stringify(sources)}\n`;
}

/** The release of the newest installed Debian amd64 kernel (the stand-in box boots it). */
export async function kernelRelease(): Promise<string> {
  const boot = (await readdir('/boot')).filter((n) => /^vmlinuz-.*-amd64$/.test(n)).sort();
  if (boot.length === 0) throw new Error('no /boot/vmlinuz-*-amd64: apt-get install linux-image-amd64 (scripts/setup.sh does)');
  return boot[boot.length - 1]!.slice('vmlinuz-'.length);
}
