/**
 * TinyCore releases per arch: the kernel a stock box runs (`uname -r`), the glibc its base system
 * carries, the ELF loader path and the shared libraries the base system (core.gz / corepure64.gz)
 * provides. verify, build and the box test judge an extension against the entry of their target.
 * Pure data and lookups; docs/tinycore-releases.md carries the same facts with their sources.
 *
 * Sources (one per fact; "src:" names the public page or repository file it was read from):
 * - 11.x: kernel 5.4.3 — the kernel config TinyCore publishes for it,
 *   http://tinycorelinux.net/11.x/x86_64/release/src/kernel/config-5.4.3-tinycore64;
 *   glibc 2.30 — TinyCore 11's toolchain (release/src/toolchain of 11.x), as recorded in the
 *   project's TinyCore contract (spec "What a real box and the real faasd need").
 * - 12.x: kernel 5.10.3 — heise.de "Tiny Core 12.0: Viel Linux auf 15 MByte" (kernel 5.10.3,
 *   gcc 10.2.0); the kernel config config-5.10.3-tinycore of 12.x/x86/release/src/kernel is
 *   linked from the public repo tcl-core-560z. glibc: not found in a public source here: unknown.
 * - 13.x: kernel 5.15.10 — 13.x/x86_64/release/src/kernel/config-5.15.10-tinycore64 (fetched by
 *   public kernel build scripts); glibc 2.34 — github.com/tatsushid/docker-tinycore issue #17
 *   ("Tiny Core Linux 13.0 is available", forum topic 25531): "glibc 2.34".
 * - 14.x: kernel 6.1.2 — openstack ironic-python-agent-builder tinyipa/build_files/fakeuname
 *   (R="6.1.2-tinycore64" for TinyCore 14); glibc 2.36 — a public tinycore-redpill porting plan
 *   that measured a TinyCore 14.0 box ("TinyCore 14.0 / 6.1.2-tinycore64 / glibc 2.36").
 * - 15.x: kernel 6.6.8, glibc 2.38 — github.com/Jip-Hop/sedunlocksrv-pba pull #22 quoting the
 *   15.0 announcement, forum.tinycorelinux.net topic 26861 ("kernel 6.6.8, glibc 2.38, gcc
 *   13.2.0"); a public QEMU boot log of corepure64 15.0 shows 6.6.8-tinycore64.
 * - 16.x: kernel 6.12.11, glibc 2.40 — github.com/Jip-Hop/sedunlocksrv-pba pull #34 quoting the
 *   16.0 announcement, forum.tinycorelinux.net topic 27578 ("kernel 6.12.11, glibc 2.40, gcc
 *   14.2.0"); openstack ironic-python-agent-builder tinyipa/common.sh: 6.12.11-tinycore64 for 16.x.
 * - 17.x: kernel 6.18.2, glibc 2.42 — heise.de "Tiny Core Linux 17.0" (heise.de/-11176251),
 *   quoting the forum announcement: Linux 6.18.2, GCC 15.2.0, glibc 2.42, binutils 2.45.1.
 * - Kernel release names: x86_64 builds are `<version>-tinycore64`, x86 builds `<version>-tinycore`
 *   (the KERNEL substitution of tce-load, Core-scripts usr/bin/tce-load, and the release/src/kernel
 *   config file names above).
 * - aarch64 (piCore64, the Raspberry Pi port): a box whose `uname -m` is aarch64 reads extensions
 *   from `<mirror>/<major>.x/aarch64/tcz` (Core-scripts etc/init.d/tc-functions: getBuild() maps
 *   aarch64 to "aarch64", getMirror() appends `$(getMajorVer).x/$BUILD/tcz`). Its kernels are
 *   named `<version>-piCore-v8`. No TinyCore release note or forum announcement for piCore64 was
 *   reachable here, so each kernel below comes from one public script that names the file on
 *   TinyCore's mirror (a secondary source, and piCore kernels change between point releases):
 *   - 14.x: 6.1.68-piCore-v8 — a public kernel build script that lists
 *     tinycorelinux.net/14.x/aarch64/releases/RPi/src/kernel/ and takes 6.1.68 from it, with
 *     its config 6.1.68-piCore-v8_.config.xz.
 *   - 15.x: 6.6.34-piCore-v8 — public build notes that copy
 *     15.x/aarch64/releases/RPi/src/kernel/6.6.34-piCore-v8_.config from the mirror.
 *   - 16.x: 6.12.25-piCore-v8 — a public aarch64 tinyipa build script (a fork of openstack
 *     ironic-python-agent-builder; not in openstack's own history) that downloads
 *     16.x/aarch64/release/RPi/piCore64-16.0.0.img.gz and reads modules-6.12.25-piCore-v8.gz
 *     and rootfs-piCore64-16.0.gz from its boot partition.
 *   - 11.x–13.x and 17.x aarch64: no source found; no entry (verify then skips the kernel and
 *     glibc checks for those targets, and a box for them fails lint with box-release-unknown).
 *   - glibc: no source gives piCore64's glibc per release, so every aarch64 entry says unknown
 *     (the x86 release's glibc is not assumed to carry over).
 *   - Loader: /lib/ld-linux-aarch64.so.1, the program interpreter glibc defines for AArch64 Linux
 *     (glibc sysdeps/unix/sysv/linux/aarch64/shlib-versions, `ld=ld-linux-aarch64.so.1`); not
 *     measured on a piCore64 box here.
 * - Loader: Core-scripts etc/init.d/tc-functions getBuild() calls a box x86_64 only when
 *   /lib/ld-linux-x86-64.so.2 exists; there is no /lib64 on a stock box (TinyCore 11 measured:
 *   binaries asking for /lib64/ld-linux-x86-64.so.2 do not start until something links it).
 *   x86 uses glibc's i386 loader /lib/ld-linux.so.2.
 * - Base libraries: the base system is BusyBox plus glibc (TinyCore's toolchain builds glibc into
 *   /lib of core.gz; wiki.tinycorelinux.net "Creating an extension" asks extensions to ship their
 *   own libraries or depend on the extension that does). `baseLibs` are glibc's own runtime
 *   libraries, present in every glibc build. `uncertainLibs` are libraries a base system may or
 *   may not carry (not confirmed from a public core.gz listing here): GCC's runtime (libgcc_s,
 *   libstdc++, which TinyCore also packages as gcc_libs.tcz) and glibc libraries that newer glibc
 *   builds leave out by default (libcrypt since 2.38, libnsl since 2.28). A NEEDED library in that
 *   list is a warning, not an error.
 */

export type TinyCoreArch = 'x86_64' | 'x86' | 'aarch64';

export interface TinyCoreRelease {
  /** Major version, the 11 in 11.x. */
  readonly major: number;
  readonly arch: TinyCoreArch;
  /** `uname -r` of the stock kernel, e.g. `5.4.3-tinycore64`. */
  readonly kernel: string;
  /** glibc version `x.y` of the base system, or 'unknown' when no public source gave it. */
  readonly glibc: string | 'unknown';
  /** The one ELF program interpreter path the base system has. */
  readonly loader: string;
  /** Sonames the base system provides for NEEDED entries. */
  readonly baseLibs: readonly string[];
  /** Sonames that may or may not be in the base system: a warning when needed and not shipped. */
  readonly uncertainLibs: readonly string[];
  /** Where the kernel and glibc facts come from (also in docs/tinycore-releases.md). */
  readonly source: string;
}

/** glibc's runtime libraries for x86_64 / x86 (the loader is added per arch). */
const glibcLibs = ['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libdl.so.2', 'librt.so.1', 'libutil.so.1', 'libresolv.so.2', 'libanl.so.1', 'libnss_files.so.2', 'libnss_dns.so.2'];
const gccRuntime = ['libgcc_s.so.1', 'libstdc++.so.6'];

const loaders: Readonly<Record<TinyCoreArch, string>> = { x86_64: '/lib/ld-linux-x86-64.so.2', x86: '/lib/ld-linux.so.2', aarch64: '/lib/ld-linux-aarch64.so.1' };
const kernelSuffix: Readonly<Record<TinyCoreArch, string>> = { x86_64: '-tinycore64', x86: '-tinycore', aarch64: '-piCore-v8' };

interface ReleaseFacts {
  readonly major: number;
  readonly kernelVersion: string;
  readonly glibc: string | 'unknown';
  readonly source: string;
}

const facts: readonly ReleaseFacts[] = [
  { major: 11, kernelVersion: '5.4.3', glibc: '2.30', source: 'tinycorelinux.net 11.x release/src/kernel/config-5.4.3-tinycore64; glibc 2.30 from the 11.x toolchain' },
  { major: 12, kernelVersion: '5.10.3', glibc: 'unknown', source: 'heise.de Tiny Core 12.0 article (kernel 5.10.3, gcc 10.2.0); glibc not found in a public source' },
  { major: 13, kernelVersion: '5.15.10', glibc: '2.34', source: 'tinycorelinux.net 13.x release/src/kernel/config-5.15.10-tinycore64; tatsushid/docker-tinycore issue #17 (glibc 2.34)' },
  { major: 14, kernelVersion: '6.1.2', glibc: '2.36', source: 'ironic-python-agent-builder tinyipa fakeuname (6.1.2-tinycore64); a tinycore-redpill measurement of a 14.0 box (glibc 2.36)' },
  { major: 15, kernelVersion: '6.6.8', glibc: '2.38', source: 'forum.tinycorelinux.net topic 26861 (15.0: kernel 6.6.8, glibc 2.38, gcc 13.2.0), quoted in Jip-Hop/sedunlocksrv-pba pull #22' },
  { major: 16, kernelVersion: '6.12.11', glibc: '2.40', source: 'forum.tinycorelinux.net topic 27578 (16.0: kernel 6.12.11, glibc 2.40, gcc 14.2.0), quoted in Jip-Hop/sedunlocksrv-pba pull #34' },
  { major: 17, kernelVersion: '6.18.2', glibc: '2.42', source: 'heise.de/-11176251 quoting the 17.0 forum announcement (Linux 6.18.2, GCC 15.2.0, glibc 2.42, binutils 2.45.1)' },
];

/** piCore64 (aarch64) releases with a kernel a public source names; glibc unknown for all (see above). */
const aarch64Facts: readonly ReleaseFacts[] = [
  { major: 14, kernelVersion: '6.1.68', glibc: 'unknown', source: 'secondary: a public kernel build script reading tinycorelinux.net 14.x/aarch64/releases/RPi/src/kernel/ (6.1.68, config 6.1.68-piCore-v8_.config.xz); glibc not found' },
  { major: 15, kernelVersion: '6.6.34', glibc: 'unknown', source: 'secondary: public build notes copying 15.x/aarch64/releases/RPi/src/kernel/6.6.34-piCore-v8_.config from the mirror; glibc not found' },
  { major: 16, kernelVersion: '6.12.25', glibc: 'unknown', source: 'secondary: a public aarch64 tinyipa build script reading modules-6.12.25-piCore-v8.gz from 16.x/aarch64/release/RPi/piCore64-16.0.0.img.gz; glibc not found' },
];

function uncertainFor(glibc: string | 'unknown'): string[] {
  const dropped: string[] = ['libnsl.so.1'];
  // glibc 2.38 stopped building libcrypt by default; unknown glibc: treat it as possibly missing
  if (glibc === 'unknown' || compareGlibc(glibc, '2.38') >= 0) dropped.push('libcrypt.so.1');
  return [...gccRuntime, ...dropped];
}

function baseFor(arch: TinyCoreArch, glibc: string | 'unknown'): string[] {
  const loaderSoname = loaders[arch].split('/').pop()!;
  const crypt = glibc !== 'unknown' && compareGlibc(glibc, '2.38') < 0 ? ['libcrypt.so.1'] : [];
  return [loaderSoname, ...glibcLibs, ...crypt];
}

function entry(f: ReleaseFacts, arch: TinyCoreArch): TinyCoreRelease {
  return {
    major: f.major,
    arch,
    kernel: `${f.kernelVersion}${kernelSuffix[arch]}`,
    glibc: f.glibc,
    loader: loaders[arch],
    baseLibs: baseFor(arch, f.glibc),
    uncertainLibs: uncertainFor(f.glibc),
    source: f.source,
  };
}

export const tinyCoreReleases: readonly TinyCoreRelease[] = [
  ...facts.flatMap((f) => (['x86_64', 'x86'] as const).map((arch) => entry(f, arch))),
  ...aarch64Facts.map((f) => entry(f, 'aarch64')),
];

/** The release entry for a target (`tcVersion` `11`, `11.x` or `11.1`), or undefined when the table has none. */
export function findRelease(tcVersion: string | number, arch: string): TinyCoreRelease | undefined {
  const major = Number(String(tcVersion).replace(/\.x$/, '').split('.')[0]);
  return tinyCoreReleases.find((r) => r.major === major && r.arch === arch);
}

/** Compare two glibc versions `x.y` numerically (-1, 0, 1). */
export function compareGlibc(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The highest `GLIBC_x.y` among version names (e.g. from readelf's version needs), or undefined. */
export function highestGlibc(versions: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const v of versions) {
    const m = /^GLIBC_(\d+\.\d+(?:\.\d+)?)$/.exec(v);
    if (m && (!best || compareGlibc(m[1]!, best) > 0)) best = m[1]!;
  }
  return best;
}
