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

export type { GeneratedFile } from '../util/generated-file.js';
