/**
 * The demo's stand-ins for upstream release assets: small archives and files shaped like the
 * containerd, runc, CNI, faasd and faas-cli downloads (same names, same layout), and recipes
 * shaped like the flagship ones that point at a local server instead of GitHub. The programs
 * inside are shell scripts that print what they stand for.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface DemoAsset {
  readonly path: string;
  readonly bytes: Buffer;
}

const stub = (name: string): string => `#!/bin/sh\necho "${name} (tczbuild demo stand-in)"\n`;

export async function demoAssets(): Promise<DemoAsset[]> {
  const containerdBins = ['containerd', 'containerd-shim', 'containerd-shim-runc-v1', 'containerd-shim-runc-v2', 'ctr'];
  const cniPlugins = ['bridge', 'firewall', 'host-local', 'loopback', 'portmap'];
  return [
    { path: '/containerd/v1.4.0/containerd-1.4.0-linux-amd64.tar.gz', bytes: await tarGz([{ name: 'bin/', dir: true }, ...containerdBins.map((b) => ({ name: `bin/${b}`, content: stub(b) }))]) },
    { path: '/runc/v1.0.0-rc92/runc.amd64', bytes: Buffer.from(stub('runc')) },
    { path: '/cni/v0.8.5/cni-plugins-linux-amd64-v0.8.5.tgz', bytes: await tarGz(cniPlugins.map((b) => ({ name: `./${b}`, content: stub(b) }))) },
    { path: '/faasd/0.9.5/faasd', bytes: Buffer.from(stub('faasd')) },
    { path: '/faas-cli/0.12.13/faas-cli', bytes: Buffer.from(stub('faas-cli')) },
  ];
}

async function tarGz(entries: ReadonlyArray<{ name: string; content?: string; dir?: boolean }>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => p.on('end', resolve));
  for (const e of entries) {
    const body = Buffer.from(e.content ?? '');
    p.entry({ name: e.name, type: e.dir ? 'directory' : 'file', mode: 0o755, mtime: new Date(1_600_000_000_000), size: e.dir ? 0 : body.length }, e.dir ? Buffer.alloc(0) : body);
  }
  p.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Recipes shaped like recipes/containerd.yaml and recipes/faasd.yaml, against `base`. */
export function demoRecipes(base: string, hashes: ReadonlyMap<string, string>): Record<string, string> {
  const h = (path: string): string => hashes.get(path) ?? 'unpinned';
  return {
    'containerd.yaml': `# Demo: shaped like recipes/containerd.yaml, sources from a local server.
name: containerd
version: 1.4.0
description: containerd container runtime with runc and the CNI plugins (tczbuild demo build)
author: The containerd authors; runc by the Open Container Initiative; CNI plugins by the CNI authors
original-site: https://github.com/containerd/containerd
copying-policy: Apache-2.0
tags: [containerd, runc, cni, containers, demo]
comments: "Demo stand-ins, not containerd: shell scripts named and laid out like containerd 1.4.0, runc v1.0.0-rc92 and CNI plugins v0.8.5, each printing what it stands for"
vars:
  runc_version: v1.0.0-rc92
  cni_version: v0.8.5
depends: [iptables, netfilter-KERNEL, overlayfs-KERNEL]
sources:
  - id: containerd
    url: ${base}/containerd/v\${version}/containerd-\${version}-linux-\${goarch}.tar.gz
    sha256: ${h('/containerd/v1.4.0/containerd-1.4.0-linux-amd64.tar.gz')}
    extract: { strip: 1, into: usr/local/bin }
  - id: runc
    url: ${base}/runc/\${runc_version}/runc.\${goarch}
    sha256: ${h('/runc/v1.0.0-rc92/runc.amd64')}
    install: { to: usr/local/sbin/runc, mode: "0755" }
  - id: cni-plugins
    url: ${base}/cni/\${cni_version}/cni-plugins-linux-\${goarch}-\${cni_version}.tgz
    sha256: ${h('/cni/v0.8.5/cni-plugins-linux-amd64-v0.8.5.tgz')}
    extract: { into: usr/local/lib/cni/bin }
overlays: [containerd]
box-links:
  - { path: /lib64, target: lib }
  - { path: /opt/cni/bin, target: /usr/local/lib/cni/bin }
runtime-paths: [var/lib/containerd, run/containerd, var/lib/cni, etc/cni/net.d]
services:
  cgroupfs:
    kind: cgroupfs
  containerd:
    kind: containerd
    requires: [cgroupfs]
    modules: [overlay, bridge, br_netfilter, veth]
    sysctl:
      net.ipv4.conf.all.forwarding: "1"
kernel:
  fragments: [overlay, containers]
`,
    'faasd.yaml': `# Demo: shaped like recipes/faasd.yaml (images left out: the demo has no registry).
name: faasd
version: 0.9.5
description: faasd - OpenFaaS on containerd, with faas-cli (tczbuild demo build)
author: OpenFaaS Ltd (Alex Ellis) and contributors
original-site: https://github.com/openfaas/faasd
copying-policy: MIT
tags: [faasd, openfaas, demo]
comments: "Demo stand-ins, not faasd: shell scripts named like faasd 0.9.5 and faas-cli 0.12.13, each printing what it stands for"
vars:
  faas_cli_version: 0.12.13
depends: [containerd]
sources:
  - id: faasd
    url: ${base}/faasd/\${version}/faasd
    sha256: ${h('/faasd/0.9.5/faasd')}
    install: { to: usr/local/bin/faasd, mode: "0755" }
  - id: faas-cli
    url: ${base}/faas-cli/\${faas_cli_version}/faas-cli
    sha256: ${h('/faas-cli/0.12.13/faas-cli')}
    install: { to: usr/local/bin/faas-cli, mode: "0755" }
overlays: [faasd]
runtime-paths: [var/lib/faasd/secrets, var/lib/faasd/hosts, var/lib/faasd-provider, etc/cni/net.d/10-openfaas.conflist, var/lib/cni]
services:
  faasd:
    kind: faasd
    namespace: default
    requires: [containerd]
    copy:
      - { from: /usr/local/share/faasd/docker-compose.yaml, to: /var/lib/faasd/docker-compose.yaml }
      - { from: /usr/local/share/faasd/prometheus.yml, to: /var/lib/faasd/prometheus.yml }
`,
  };
}
