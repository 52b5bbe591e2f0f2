/**
 * Data that flows between build stages and the modules that plug into staging (initd, images,
 * kconfig). Pure types.
 */
import type { SourceSpec } from '../recipe/model.js';

/** A source after download: it exists only once its sha256 was verified. */
export interface FetchedSource {
  readonly spec: SourceSpec;
  /** Path of the verified file in the content-addressed cache. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** A file some module generates into an image (init scripts, hooks, image tarballs). */
export interface GeneratedFile {
  /** Path inside the image, relative to /. */
  readonly path: string;
  /** The bytes, or a file on disk to copy (for large generated files such as image tarballs). */
  readonly content: string | Buffer | { readonly fromFile: string };
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
}
