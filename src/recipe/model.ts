/**
 * The normalized recipe: defaults applied, variables substituted, owners resolved to ids,
 * paths checked. Everything downstream (planning, staging, init scripts, companions) reads
 * this shape, never the written YAML. Pure types.
 */
import type { Position } from '../diagnostics/diagnostic.js';
import type { Credentials } from '../util/credentials.js';
import type { WrittenRecipe } from './schema.js';

export interface InfoFields {
  readonly title: string;
  readonly description: string;
  readonly version: string;
  readonly author: string;
  readonly originalSite: string;
  readonly copyingPolicy: string;
  readonly extensionBy: string;
  readonly tags: readonly string[];
  readonly comments: string;
  readonly changeLog: string;
}

export interface ArchiveExtract {
  readonly strip: number;
  readonly into: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** Most bytes this archive may unpack to (extract.max-size); undefined means the default. */
  readonly maxBytes?: number;
}

export interface SourceSpec {
  readonly id: string;
  /** The URL without any `user:password@` (that is in credentials), safe to print and publish. */
  readonly url: string;
  readonly credentials?: Credentials;
  /** null while the recipe says `unpinned`. */
  readonly sha256: string | null;
  readonly kind: 'archive' | 'file';
  readonly extract?: ArchiveExtract;
  readonly install?: { readonly to: string; readonly mode?: number };
  /** Where the sha256 is written, for mismatch and missing-hash messages. */
  readonly hashAt: Position;
  readonly at: Position;
}

export interface FileOverride {
  readonly pattern: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly at: Position;
}

export interface DirectorySpec {
  readonly path: string;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly at: Position;
}

export interface SymlinkSpec {
  readonly path: string;
  readonly target: string;
  readonly at: Position;
}

export interface Recipe {
  readonly name: string;
  readonly version: string;
  /** Path of the recipe file as the user named it (for diagnostics). */
  readonly file: string;
  readonly info: InfoFields;
  readonly vars: Readonly<Record<string, string>>;
  /** Bare extension names, without `.tcz`; `-KERNEL` kept literally. */
  readonly depends: readonly string[];
  readonly dependsAt: readonly Position[];
  readonly sources: readonly SourceSpec[];
  readonly overlays: readonly string[];
  readonly overlaysAt: readonly Position[];
  readonly files: readonly FileOverride[];
  readonly directories: readonly DirectorySpec[];
  readonly symlinks: readonly SymlinkSpec[];
  readonly runtimePaths: readonly string[];
  readonly runtimePathsAt: readonly Position[];
  /** Most bytes all archives may unpack to (max-unpacked-size); undefined means the default. */
  readonly maxUnpackedBytes?: number;
  /** The recipe says an extension without files is intended (allow-empty: true). */
  readonly allowEmpty: boolean;
  /** The written recipe after defaults: what the build key hashes and sections other modules read. */
  readonly written: WrittenRecipe;
  /** Resolve a position inside the recipe file for a key path (for modules that own sections). */
  readonly positionOf: (path: readonly (string | number)[]) => Position;
}

export interface Target {
  /** TinyCore major version: the `11` in `11.x`. */
  readonly tcVersion: string;
  /** TinyCore arch directory: x86_64, x86, aarch64, armv7, armv6. */
  readonly arch: string;
}

/** Go/OCI arch names for TinyCore arch directories (release assets use these). */
export const goArch: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  x86: '386',
  aarch64: 'arm64',
  armv7: 'arm',
  armv6: 'arm',
};

export const userIds: Readonly<Record<string, number>> = { root: 0, tc: 1001 };
export const groupIds: Readonly<Record<string, number>> = { root: 0, staff: 50 };
