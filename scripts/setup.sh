#!/usr/bin/env bash
# Install everything tczbuild and its test suite need on a fresh Debian 12 machine (run as root):
# the real tools the builder drives and the integration tests run against, then npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  squashfs-tools      # mksquashfs/unsquashfs: the packer and the reader tests check with
  busybox-static      # the shell and wget TinyCore uses; generated scripts run under its ash
  shellcheck          # every generated init script must pass `shellcheck -s sh`
  containerd runc containernetworking-plugins  # real daemon for init-script and image-import tests
  docker-registry     # a real OCI registry on 127.0.0.1 for the image puller tests
  nginx-light         # the serve benchmark compares against nginx
  python3             # ... and against `python3 -m http.server`, what users run today
  curl apache2-utils wrk  # bench/serve drives every server with the same non-Node clients
  linux-source-6.1    # a real Kconfig tree for kernel-config and module-build tests
  bc flex bison libelf-dev libssl-dev kmod build-essential  # building overlay.ko against that tree
  iproute2 util-linux time xz-utils
  qemu-system-x86 linux-image-amd64 linux-headers-amd64  # the booted stand-in box (tczbuild test)
  cpio file binutils  # assembling its initramfs, reading ELF headers
  zstd bzip2 unzip zip  # every archive format a source may come in
  tinyproxy openssl ca-certificates  # a real proxy and a private CA for the network tests
  zsh                 # `tczbuild completion zsh` is loaded by a real zsh
  fish tmux           # ... and fish; tmux gives both a terminal to press Tab in
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Exactly the committed lock file (which lists every platform's optional rollup build), so
# setting up never rewrites package-lock.json and `git status` stays clean.
npm ci --no-audit --no-fund
npm run build
