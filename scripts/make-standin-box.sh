#!/bin/sh
# make-standin-box.sh DIR [OPTION...]: build a stand-in TinyCore box for machines without
# TinyCore's release files. Writes DIR/vmlinuz (Debian's installed kernel), DIR/core.gz (an
# initramfs assembled from busybox-static, TinyCore's own Core-scripts, the host's glibc, a
# minimal setuid sudo and the kernel modules the box needs, but not overlay) and DIR/box.yaml
# for `tczbuild test --box DIR/box.yaml`. Core-scripts come only from `tczbuild core-scripts`:
# the pinned commit, verified by its tree hash, from $TCZBUILD_CORE_SCRIPTS (a local checkout),
# the download cache or a download; the OPTIONs (--offline, --source-mirror, --cache,
# --ca-file, --dir) are passed to it. They are copied into the initramfs only. Every
# difference from a real TinyCore is listed in scripts/standin-box.md.
set -eu

usage() { echo "usage: $0 DIR [--offline] [--source-mirror M]... [--cache DIR] [--ca-file PEM] [--dir CORE-SCRIPTS]   (env: TCZBUILD_CORE_SCRIPTS, STANDIN_TC_VERSION, STANDIN_KERNEL)" >&2; exit 2; }
[ $# -ge 1 ] || usage
case $1 in -*) usage ;; esac
OUT=$1
shift
HERE=$(cd "$(dirname "$0")" && pwd)
CLI=$HERE/../dist/cli/main.js
TCVER=${STANDIN_TC_VERSION:-11.0}

die() { echo "make-standin-box: $*" >&2; exit 1; }
[ -f "$CLI" ] || die "no $CLI: run npm run build first (Core-scripts are resolved by tczbuild core-scripts)"
BUSYBOX=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
file -L "$BUSYBOX" | grep -q 'statically linked' || die "$BUSYBOX is not static (apt-get install busybox-static)"
for tool in cpio gzip gcc modprobe depmod; do
  command -v "$tool" >/dev/null || die "$tool not found (see scripts/setup.sh)"
done

if [ -n "${STANDIN_KERNEL:-}" ]; then
  KERNEL=$STANDIN_KERNEL
else
  KERNEL=$(find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' | sort -V | tail -n 1)
fi
if [ -z "$KERNEL" ] || [ ! -f "$KERNEL" ]; then die "no /boot/vmlinuz-*-amd64 (apt-get install linux-image-amd64)"; fi
KVER=${KERNEL##*/vmlinuz-}
[ -d "/lib/modules/$KVER/kernel" ] || die "no /lib/modules/$KVER for $KERNEL"

# DIR is made only once the box is assembled: a run that fails (no Core-scripts offline, a
# checkout that does not match the pin, a missing tool) leaves no empty or half-filled DIR.
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/standin-box.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT INT TERM
R=$STAGE/root
mkdir -p "$R"

# --- TinyCore's Core-scripts at the pinned commit, verified (their only way in) -------
CORE=$STAGE/core-scripts
node "$CLI" core-scripts --into "$CORE" "$@" >&2 || exit 1

# --- base layout and BusyBox ------------------------------------------------------------
# no lib64: TinyCore x86_64 has none, and a binary asking for /lib64/ld-linux-x86-64.so.2 must
# fail here as it does there unless an extension's box-links make the link
for d in bin sbin usr/bin usr/sbin usr/local/bin usr/local/sbin usr/local/lib lib etc/sysconfig \
         etc/init.d dev/pts dev/shm proc sys tmp var/tmp var/run var/log opt home root mnt run; do
  mkdir -p "$R/$d"
done
cp "$BUSYBOX" "$R/bin/busybox"
ln "$R/bin/busybox" "$R/bin/busybox.suid"
chmod 4755 "$R/bin/busybox.suid"
"$BUSYBOX" --list-full | while read -r app; do
  case $app in bin/busybox|*/linuxrc) continue ;; esac
  [ -e "$R/$app" ] || ln -s /bin/busybox "$R/$app"
done
mknod -m 600 "$R/dev/console" c 5 1
mknod -m 666 "$R/dev/null" c 1 3

# --- TinyCore's Core-scripts, unchanged ------------------------------------------------
(cd "$CORE" && find . -path ./README -prune -o -path ./LICENSE -prune -o -print | cpio -pdm --quiet "$R")
# the vendored tree may be read-only: give directories and files TinyCore's modes
find "$R" -type d -exec chmod 0755 {} +
find "$R" -type f ! -perm -u+w -exec chmod u+w {} +
chmod 1777 "$R/tmp" "$R/var/tmp"
chmod 0755 "$R/init"

# --- base files a TinyCore rootfs carries and Core-scripts does not --------------------
sed "s/^VERSION_ID=.*/VERSION_ID=$TCVER/; s/^VERSION=.*/VERSION=\"$TCVER\"/" "$CORE/etc/os-release" >"$R/etc/os-release"
cat >"$R/etc/fstab" <<'EOF'
# /etc/fstab
proc            /proc        proc    defaults          0       0
sysfs           /sys         sysfs   defaults          0       0
devpts          /dev/pts     devpts  defaults          0       0
tmpfs           /dev/shm     tmpfs   defaults          0       0
EOF
cat >"$R/etc/inittab" <<'EOF'
# /etc/inittab: BusyBox init, as on TinyCore, with the console on the serial line.
::sysinit:/sbin/standin-devtmpfs
::sysinit:/etc/init.d/rcS
::restart:/sbin/init
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/init.d/rc.shutdown
EOF
cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
lp:x:7:7:lp:/var/spool/lpd:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
tc:x:1001:50:Linux User,,,:/home/tc:/bin/sh
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
lp:x:7:lp
nogroup:x:65534:
staff:x:50:tc
EOF
cat >"$R/etc/shadow" <<'EOF'
root:*:13525:0:99999:7:::
lp:*:13510:0:99999:7:::
nobody:*:13509:0:99999:7:::
tc::13646:0:99999:7:::
EOF
chmod 0640 "$R/etc/shadow"
printf 'root\tALL=(ALL) ALL\ntc\tALL=NOPASSWD: ALL\n' >"$R/etc/sudoers"
chmod 0440 "$R/etc/sudoers"
echo box >"$R/etc/hostname"
ln -s /proc/mounts "$R/etc/mtab"
printf '/bin/sh\n/bin/ash\n' >"$R/etc/shells"
: >"$R/etc/ld.so.conf"
printf '/usr/local/lib\n' >>"$R/etc/ld.so.conf"
# TinyCore's /opt is root:staff 0775.
chgrp 50 "$R/opt" && chmod 0775 "$R/opt"
chmod 0775 "$R/opt/bootlocal.sh" "$R/opt/bootsync.sh" "$R/opt/shutdown.sh"
chgrp 50 "$R/opt/bootlocal.sh" "$R/opt/bootsync.sh" "$R/opt/shutdown.sh"
echo 'http://10.0.2.2:8080/' >"$R/opt/tcemirror"
chgrp 50 "$R/opt/tcemirror" && chmod 0664 "$R/opt/tcemirror"

# devtmpfs stands in for udev's /dev; udevd/udevadm stand-ins load the drivers for QEMU's
# virtio devices (udev's coldplug does that on TinyCore).
cat >"$R/sbin/standin-devtmpfs" <<'EOF'
#!/bin/sh
# stand-in box: devtmpfs populates /dev (udev does on TinyCore)
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
EOF
cat >"$R/sbin/udevd" <<'EOF'
#!/bin/sh
# stand-in box: no udev; devtmpfs already populates /dev
exit 0
EOF
cat >"$R/sbin/udevadm" <<'EOF'
#!/bin/sh
# stand-in box: `udevadm trigger` loads the drivers of the virtual hardware; the rest is a no-op
if [ "${1:-}" = trigger ]; then
  for m in virtio_pci virtio_net virtio_blk virtio_rng; do /sbin/modprobe -q "$m" 2>/dev/null; done
fi
exit 0
EOF
# Debian's BusyBox depmod does not descend into the kernel.tclocal link where module extensions
# install (TinyCore's does): a wrapper adds the modules found there to modules.dep.
rm -f "$R/sbin/depmod"
cat >"$R/sbin/depmod" <<'EOF'
#!/bin/sh
# stand-in box: BusyBox depmod, then the modules below kernel.tclocal (module extensions)
/bin/busybox depmod "$@" || exit
dir=/lib/modules/$(uname -r)
[ -d "$dir/kernel.tclocal/" ] || exit 0
find "$dir/kernel.tclocal/" -name '*.ko' | while read -r ko; do
  deps=""
  for d in $(modinfo -F depends "$ko" | tr ',' ' '); do
    deps="$deps $(grep -E "/($d|$(echo "$d" | tr _ -)).ko:" "$dir/modules.dep" | head -n 1 | cut -d: -f1)"
  done
  echo "kernel.tclocal/${ko#"$dir/kernel.tclocal/"}:$deps"
done >/tmp/modules.dep.tclocal
cat /tmp/modules.dep.tclocal >>"$dir/modules.dep"
rm -f /tmp/modules.dep.tclocal
EOF
chmod 0755 "$R/sbin/depmod"
# Debian's BusyBox looks for udhcpc's script in /etc/udhcpc; TinyCore's is in /usr/share/udhcpc.
mkdir -p "$R/etc/udhcpc"
ln -s /usr/share/udhcpc/default.script "$R/etc/udhcpc/default.script"
# rotdash is a small TinyCore binary that waits for a PID while drawing a spinner.
cat >"$R/usr/bin/rotdash" <<'EOF'
#!/bin/sh
# stand-in box: wait for the process like TinyCore's rotdash, without the spinner
while kill -0 "$1" 2>/dev/null; do usleep 100000; done
EOF
chmod 0755 "$R/sbin/standin-devtmpfs" "$R/sbin/udevd" "$R/sbin/udevadm" "$R/usr/bin/rotdash"

# --- a minimal setuid sudo: members of staff (and root) run a command as root ----------
cat >"$STAGE/sudo.c" <<'EOF'
/* stand-in box sudo: runs argv[1..] as root for root and members of group staff (gid 50),
   like TinyCore's `tc ALL=NOPASSWD: ALL`. Flags other than -E are refused. */
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  gid_t groups[64];
  int n = getgroups(64, groups), ok = getuid() == 0 || getgid() == 50, i = 1;
  for (int g = 0; g < n; g++) if (groups[g] == 50) ok = 1;
  if (!ok) { fprintf(stderr, "sudo: not in group staff\n"); return 1; }
  while (i < argc && argv[i][0] == '-') {
    if (strcmp(argv[i], "-E") != 0) { fprintf(stderr, "sudo: unsupported option %s\n", argv[i]); return 1; }
    i++;
  }
  if (i >= argc) { fprintf(stderr, "usage: sudo COMMAND [ARG...]\n"); return 1; }
  if (setgroups(0, NULL) || setgid(0) || setuid(0)) { perror("sudo"); return 1; }
  execvp(argv[i], argv + i);
  perror(argv[i]);
  return 127;
}
EOF
gcc -static -Os -o "$R/usr/bin/sudo" "$STAGE/sudo.c"
strip "$R/usr/bin/sudo" 2>/dev/null || true
chmod 4755 "$R/usr/bin/sudo"

# --- the host's glibc (containerd, runc, ctr and the CNI plugins link it) ------------
HOST_GLIBC=$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')
LIBDIR=/lib/x86_64-linux-gnu
mkdir -p "$R$LIBDIR"
for lib in ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 \
           libresolv.so.2 libnss_files.so.2 libnss_dns.so.2 libacl.so.1 libselinux.so.1 libpcre2-8.so.0; do
  [ -e "$LIBDIR/$lib" ] && cp -L "$LIBDIR/$lib" "$R$LIBDIR/$lib"
done
# the loader only where TinyCore x86_64 has it (/lib/ld-linux-x86-64.so.2; tc-functions'
# getBuild tests exactly that path)
ln -s "$LIBDIR/ld-linux-x86-64.so.2" "$R/lib/ld-linux-x86-64.so.2"
printf '%s\n' "$LIBDIR" >>"$R/etc/ld.so.conf"
cp "$(command -v ldconfig)" "$R/sbin/ldconfig"
# Debian's BusyBox tar lacks --exclude, which /init's noembed copy uses (TinyCore's has it)
# Debian's tar asks for /lib64/ld-linux-x86-64.so.2, which this box lacks like TinyCore: it
# runs through the loader at TinyCore's path instead
rm -f "$R/bin/tar"
mkdir -p "$R/usr/lib/standin"
cp "$(command -v tar)" "$R/usr/lib/standin/tar"
printf '#!/bin/sh\nexec /lib/ld-linux-x86-64.so.2 /usr/lib/standin/tar "$@"\n' >"$R/bin/tar"
chmod 755 "$R/bin/tar"

# --- kernel modules the box needs (never overlay) --------------------------------------
MODULES="virtio_pci virtio_net virtio_blk virtio_rng squashfs loop zram bridge br_netfilter veth
  ip_tables iptable_filter iptable_nat iptable_mangle ip6_tables ip6table_filter ip6table_nat
  nf_nat nf_conntrack xt_MASQUERADE xt_conntrack xt_comment xt_addrtype xt_mark xt_nat
  xt_multiport xt_tcpudp ipt_REJECT ip6t_REJECT nf_reject_ipv4 xt_set ip_set"
MODLIST=$STAGE/modules
for m in $MODULES; do
  modprobe --show-depends -S "$KVER" "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u >"$MODLIST"
if grep -q '/overlay\.ko' "$MODLIST"; then die "overlay.ko must not be in the stand-in box"; fi
while read -r ko; do
  rel=${ko#/lib/modules/"$KVER"/}
  mkdir -p "$R/lib/modules/$KVER/$(dirname "$rel")"
  case $ko in
    *.ko.xz) xz -dc "$ko" >"$R/lib/modules/$KVER/${rel%.xz}" ;;
    *.ko.zst) zstd -qdc "$ko" >"$R/lib/modules/$KVER/${rel%.zst}" ;;
    *) cp "$ko" "$R/lib/modules/$KVER/$rel" ;;
  esac
done <"$MODLIST"
for f in modules.builtin modules.builtin.modinfo modules.order; do
  cp "/lib/modules/$KVER/$f" "$R/lib/modules/$KVER/"
done
depmod -b "$R" "$KVER"
# TinyCore's link to where module extensions install (tce-load runs depmod when one arrives)
mkdir -p "$R/usr/local/lib/modules/$KVER/kernel"
ln -s "/usr/local/lib/modules/$KVER/kernel" "$R/lib/modules/$KVER/kernel.tclocal"

# --- pack -----------------------------------------------------------------------------
P=$STAGE/pack
mkdir -p "$P"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9n) >"$P/core.gz"
cp "$KERNEL" "$P/vmlinuz"
cat >"$P/box.yaml" <<EOF
# yaml-language-server: \$schema=../boxes/box.schema.json
# Stand-in TinyCore box written by scripts/make-standin-box.sh (see scripts/standin-box.md):
# Debian's kernel $KVER with TinyCore's Core-scripts on BusyBox.
name: standin-$KVER
kernel: { path: vmlinuz }
initrd:
  - { path: core.gz }
cmdline: console=ttyS0 noembed nozswap nofstab noswap norestore quiet loglevel=3
memory: 2048   # faasd's core services and a function need more than 1024 MiB
accel: tcg
target: { tc-version: "${TCVER%%.*}", arch: x86_64 }
# the glibc this box really runs (the host's): \`tczbuild test\` judges installed ELF files against it
glibc: "$HOST_GLIBC"
EOF
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
mv "$P/core.gz" "$P/vmlinuz" "$OUT/"
mv "$P/box.yaml" "$OUT/box.yaml"
echo "$OUT/box.yaml"
