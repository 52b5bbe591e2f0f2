/**
 * The data `tczbuild verify` checks and the shape of a check. A check reads a VerifyContext
 * (the mirror's files, read once by context.ts) and returns findings as Diagnostics whose hint
 * is the fix. Checks never run tools or touch the filesystem themselves; the context does.
 * Pure types.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { IndexFileName } from '../index-parse.js';
import type { ElfDynamicInfo } from './elf-dynamic.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** One entry of a squashfs image as `unsquashfs -lln` lists it. */
export interface ImageEntry {
  /** Path without a leading slash; '' is the image root. */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits including setuid/setgid/sticky (07777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly target?: string;
}

export interface ImageInfo {
  /** Why the image could not be read (not squashfs, truncated); the rest is then empty. */
  readonly error?: string;
  readonly entries: readonly ImageEntry[];
  readonly blockSize?: number;
  /** The squashfs compressor (`gzip`, `xz`, ...) as `unsquashfs -s` names it. */
  readonly compression?: string;
  /** The first bytes of each regular file that starts with the ELF magic: path → e_ident + e_machine. */
  readonly elfHeaders: ReadonlyMap<string, Buffer>;
  /** The program interpreter (PT_INTERP) of each dynamically linked ELF: path → `/lib64/ld-linux-x86-64.so.2`. */
  readonly elfInterpreters: ReadonlyMap<string, string>;
  /** Text of each file under usr/local/tce.installed (the install hooks). */
  readonly hookTexts: ReadonlyMap<string, string>;
  /** What `busybox ash -n` said about each hook that fails its syntax check (absent: clean or not checked). */
  readonly hookSyntaxErrors?: ReadonlyMap<string, string>;
  /** NEEDED, symbol versions and symbol tables of each ELF file (from its section headers). */
  readonly elfDynamic?: ReadonlyMap<string, ElfDynamicInfo>;
  /** The vermagic of each kernel module (`.ko`, `.ko.gz`); '' when the file has none. */
  readonly moduleVermagic?: ReadonlyMap<string, string>;
  /** Why the files could not be extracted to read their ELF headers. */
  readonly elfError?: string;
}

/** One NAME.tcz and its companions as found in the mirror. */
export interface ExtensionFiles {
  /** `hello.tcz` */
  readonly name: string;
  /** Path of the .tcz as shown to the user (relative to where they ran the command). */
  readonly file: string;
  readonly sizeBytes: number;
  readonly md5Actual: string;
  readonly md5Text?: string;
  readonly depText?: string;
  readonly infoText?: string;
  readonly listText?: string;
  readonly image: ImageInfo;
  /** Paths the recipe declares as written at run time (from `runtime-paths`). */
  readonly runtimePaths: readonly string[];
  /** Globs of paths allowed to be setuid/setgid (recipe `files:` modes, --allow-setuid). */
  readonly setuidAllowed: readonly string[];
  /** Globs of paths the recipe deliberately makes unreadable for others (`files:`/`directories:` modes without o+r). */
  readonly privateAllowed?: readonly string[];
  /** Globs of files the recipe deliberately gives another owner or group (`files:` owner/group). */
  readonly ownerAllowed?: readonly string[];
}

export interface VerifyContext {
  readonly tczDir: string;
  /** Path of the tcz directory as shown to the user. */
  readonly shownDir: string;
  /** Gunzipped text of each `<index>.gz` the directory serves (what the client scripts fetch). */
  readonly indexTexts: Partial<Record<IndexFileName, string>>;
  /** TinyCore arch dir (x86_64, x86, aarch64, armv7, armv6) when known. */
  readonly arch?: string;
  /** The extensions judged. */
  readonly extensions: readonly ExtensionFiles[];
  /** Extensions of the directory read only because a judged one depends on them: looked up (what a box will have), never judged. */
  readonly others?: readonly ExtensionFiles[];
  /** Every `NAME.tcz` the mirror can serve: our files plus names in its (merged) md5.db. */
  readonly available: ReadonlySet<string>;
  /** Direct dependencies of every extension the mirror's (merged) dep.db knows, ours included. */
  readonly knownDeps: ReadonlyMap<string, readonly string[]>;
  /** Bare names of known upstream extensions (`iptables`, `original-modules-KERNEL`). */
  readonly allowUpstream: ReadonlySet<string>;
  /** TinyCore major version of the directory (`11`), when known. */
  readonly tcVersion?: string;
  /** Kernel releases (`uname -r`) kernel-module extensions may be built for; default: the target release's stock kernel. */
  readonly kernelReleases?: readonly string[];
  /** glibc floor to judge ELF files against instead of the release table's (a stand-in box's own glibc). */
  readonly glibc?: string;
}

export interface Check {
  /** Module id, e.g. `md5`; findings carry their own diagnostic ids. */
  readonly id: string;
  readonly description: string;
  run(ctx: VerifyContext): Diagnostic[];
}
