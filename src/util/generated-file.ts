/**
 * The one type every module that adds files to an image shares (init scripts, hooks, image
 * tarballs, kernel modules), kept in the lowest layer so that those modules never import the
 * builder that consumes it. A pure type.
 */

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
