/**
 * Small but real container images for tests: gzip layers made from tar entries, a config
 * whose diff_ids match the uncompressed layers (so containerd can unpack them), image
 * manifests in OCI or Docker flavour, and indexes / manifest lists over several platforms.
 * Every object carries its bytes and digest so tests can push it and assert on it.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { makeTar, type TarEntry } from '../../helpers/tarball.js';

export interface Blob {
  readonly bytes: Buffer;
  readonly digest: string;
  readonly mediaType: string;
}

export interface FixtureImage {
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
  readonly platform: { os: string; architecture: string; variant?: string };
}

export type Flavor = 'oci' | 'docker';

const types = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function blob(bytes: Buffer, mediaType: string): Blob {
  return { bytes, digest: sha256(bytes), mediaType };
}

const descriptor = (b: Blob): { mediaType: string; digest: string; size: number } => ({ mediaType: b.mediaType, digest: b.digest, size: b.bytes.length });

export async function makeImage(options: {
  layers: readonly (readonly TarEntry[])[];
  architecture?: string;
  variant?: string;
  flavor?: Flavor;
}): Promise<FixtureImage> {
  const t = types[options.flavor ?? 'oci'];
  const platform = { os: 'linux', architecture: options.architecture ?? 'amd64', ...(options.variant ? { variant: options.variant } : {}) };
  const tars = await Promise.all(options.layers.map((entries) => makeTar(entries)));
  const layers = tars.map((tar) => blob(gzipSync(tar, { level: 6 }), t.layer));
  const config = blob(
    Buffer.from(
      JSON.stringify({
        ...platform,
        config: { Cmd: ['/bin/hello'], Env: ['PATH=/bin'] },
        rootfs: { type: 'layers', diff_ids: tars.map((tar) => sha256(tar)) },
        history: tars.map(() => ({ created_by: 'tczbuild test fixture' })),
      }),
    ),
    t.config,
  );
  const manifest = blob(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: t.manifest, config: descriptor(config), layers: layers.map(descriptor) }, null, 3)),
    t.manifest,
  );
  return { manifest, config, layers, platform };
}

export function makeIndex(images: readonly FixtureImage[], flavor: Flavor = 'oci'): Blob {
  const t = types[flavor];
  const manifests = images.map((i) => ({ ...descriptor(i.manifest), platform: i.platform }));
  return blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: t.index, manifests }, null, 3)), t.index);
}
