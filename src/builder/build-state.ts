/**
 * The record of what was last published into an output directory for one target: each
 * extension's build key, its components and its published files. Read to skip unchanged
 * extensions and to explain rebuilds; written only inside the atomic publish.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { explainChange, type BuildKey, type KeyComponents } from './build-key.js';

export interface PublishedExtension {
  readonly key: string;
  readonly components: KeyComponents;
  readonly md5: string;
  readonly size: number;
  /** File names (in the tcz dir) this extension published. */
  readonly files: readonly string[];
  /** Where the published bytes came from: built here, or verified out of the output cache. */
  readonly origin?: 'built' | 'local cache' | 'remote cache';
}

export interface BuildState {
  readonly version: 1;
  readonly extensions: Readonly<Record<string, PublishedExtension>>;
  /** The plugins' mirrorInputs at this publish (the upstream indexes merged into ours). */
  readonly mirrorInputs?: string;
}

export const emptyState: BuildState = { version: 1, extensions: {} };

/** Whether an extension's last publish still matches its build key, and if not, why. */
export function compareWithPublished(prev: PublishedExtension | undefined, next: BuildKey, imagePresent: boolean): { upToDate: boolean; reasons: string[] } {
  if (prev && imagePresent && prev.key === next.key) return { upToDate: true, reasons: [] };
  if (prev && !imagePresent) return { upToDate: false, reasons: ['its published files are missing'] };
  return { upToDate: false, reasons: explainChange(prev?.components, next.components) };
}

export function statePath(outDir: string, tcVersion: string, arch: string): string {
  return join(outDir, '.tczbuild', `${tcVersion}.x-${arch}.json`);
}

export async function readState(path: string): Promise<BuildState> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as BuildState;
    return data.version === 1 ? data : emptyState;
  } catch {
    return emptyState;
  }
}

export function renderState(state: BuildState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}
