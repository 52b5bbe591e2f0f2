/**
 * The contents of an image tarball, decided as data: an OCI image layout (`oci-layout`,
 * `index.json` naming the pinned object under the full reference, `blobs/sha256/…`) plus a
 * Docker `manifest.json` for importers that only read `docker save` archives. Entries come
 * sorted with fixed modes so the tar writer can make byte-identical files. Pure.
 */
import { ociIndex } from './media-types.js';
import type { PulledImage } from './pull.js';

export type LayoutEntry =
  | { readonly name: string; readonly type: 'directory' }
  | { readonly name: string; readonly type: 'file'; readonly bytes: Buffer }
  /** A blob copied from the content-addressed cache, by sha256 hex. */
  | { readonly name: string; readonly type: 'blob'; readonly sha256: string; readonly size: number };

/**
 * Bump when the tarball bytes for the same pinned image change (this plan or tarball.ts), so
 * build keys that include it rebuild extensions carrying older tarballs.
 */
export const tarballFormatVersion = '1';

/** containerd names an imported image after this annotation, whatever --base-name says. */
export const containerdImageName = 'io.containerd.image.name';
export const ociRefName = 'org.opencontainers.image.ref.name';

export function blobPath(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

export function planLayout(image: PulledImage): LayoutEntry[] {
  const name = image.ref.full;
  const index = {
    schemaVersion: 2,
    mediaType: ociIndex,
    manifests: [
      {
        mediaType: image.top.mediaType,
        digest: image.top.digest,
        size: image.top.size,
        annotations: { [containerdImageName]: name, [ociRefName]: name },
      },
    ],
  };
  const dockerManifest = [
    {
      Config: blobPath(image.config.digest),
      RepoTags: [name],
      Layers: image.layers.map((l) => blobPath(l.digest)),
    },
  ];
  const blobs = new Map<string, number>();
  for (const d of [image.top, image.manifest, ...image.siblings, image.config, ...image.layers]) blobs.set(d.digest, d.size);
  const entries: LayoutEntry[] = [
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...[...blobs].map(([digest, size]): LayoutEntry => ({ name: blobPath(digest), type: 'blob', sha256: digest.slice(7), size })),
    { name: 'index.json', type: 'file', bytes: json(index) },
    { name: 'manifest.json', type: 'file', bytes: json(dockerManifest) },
    { name: 'oci-layout', type: 'file', bytes: json({ imageLayoutVersion: '1.0.0' }) },
  ];
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}
