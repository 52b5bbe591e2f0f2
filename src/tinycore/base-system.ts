/**
 * TinyCore's base-system directories and their live owner and mode on a booted box. tce-load
 * copies each directory of an extension onto the live system (`cp -ais` re-owns an existing
 * directory too), so an image that ships one of these paths must carry exactly these values, or
 * leave the directory out. Derived from Core-scripts at the pinned commit (tinycore/core-scripts.ts;
 * docs/facts.md lists each directory with the line it comes from): the
 * `source` of each entry names the file and what it does. Pure data and lookups.
 */

export const TC_UID = 1001;
export const STAFF_GID = 50;

export interface BaseDir {
  /** Path inside an image (no leading slash; '' is the root). */
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  /** The mode images get; first of `liveModes`. */
  readonly mode: number;
  /** Every mode the directory has on a live box (verify accepts these). */
  readonly liveModes: readonly number[];
  readonly source: string;
}

function dir(path: string, uid: number, gid: number, liveModes: readonly number[], source: string): BaseDir {
  return { path, uid, gid, mode: liveModes[0]!, liveModes, source };
}

const rootfs = 'the rootfs Core-scripts installs into (its tree has these directories), root:root 0755';
const tcConfigBase = 'tc-config "Setup base directories for TCE Applications": mkdir, chgrp staff, chmod g+w';

export const baseDirs: readonly BaseDir[] = [
  ...['', 'bin', 'sbin', 'lib', 'etc', 'etc/init.d', 'etc/sysconfig', 'etc/skel', 'etc/udev', 'lib/udev', 'usr', 'usr/bin', 'usr/sbin', 'usr/share', 'usr/lib', 'usr/local', 'home', 'mnt', 'var'].map((p) =>
    dir(p, 0, 0, [0o755], rootfs),
  ),
  dir('opt', 0, STAFF_GID, [0o775, 0o2775], 'tc-config: chgrp staff /opt, chmod g+w /opt (and g+s when /opt is persistent); bootlocal.sh, bootsync.sh, shutdown.sh and tcemirror live there, edited by user tc'),
  dir('tmp', 0, 0, [0o1777], 'every user writes /tmp; tce-setup and tc-config make tce/ and tcloop/ below it'),
  dir('tmp/tce', 0, STAFF_GID, [0o775], tcConfigBase),
  dir('tmp/tce/optional', TC_UID, STAFF_GID, [0o775], `${tcConfigBase}; chown tc`),
  dir('tmp/tcloop', 0, STAFF_GID, [0o775], `${tcConfigBase}; tce-load mounts each extension below it`),
  dir('usr/local/tce.installed', 0, STAFF_GID, [0o775], `${tcConfigBase}; tce-setup chown -R tc:staff; tce-load writes a marker per extension`),
  dir('home/tc', TC_UID, STAFF_GID, [0o755], 'tc-config addUser: adduser -G staff -D tc makes the home of user tc'),
];

const byPath = new Map(baseDirs.map((d) => [d.path, d]));

export function baseDir(path: string): BaseDir | undefined {
  return byPath.get(path.replace(/^\/+|\/+$/g, ''));
}

/** Owner and mode an image directory at `path` must have: the live one for base directories, else root:root 0755. */
export function imageDirDefaults(path: string): { uid: number; gid: number; mode: number } {
  const b = baseDir(path);
  return b ? { uid: b.uid, gid: b.gid, mode: b.mode } : { uid: 0, gid: 0, mode: 0o755 };
}

export function ownerMode(uid: number, gid: number, mode: number): string {
  const name = (id: number, names: Record<number, string>): string => names[id] ?? String(id);
  return `${name(uid, { 0: 'root', [TC_UID]: 'tc' })}:${name(gid, { 0: 'root', [STAFF_GID]: 'staff' })} 0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/**
 * The dynamic loader each TinyCore arch's base system has (its glibc in core.gz/rootfs). TinyCore
 * x86_64 keeps it in /lib, and /lib64 may be missing (TinyCore 11: binaries asking for
 * /lib64/ld-linux-x86-64.so.2 do not start until `ln -s lib /lib64`). Arches not listed: unknown.
 */
export const baseLoaders: Readonly<Record<string, readonly string[]>> = {
  x86_64: ['/lib/ld-linux-x86-64.so.2'],
  x86: ['/lib/ld-linux.so.2'],
};
