import { describe, expect, it } from 'vitest';
import { parseManifest, platformForArch, selectPlatform, type Descriptor } from '../../src/images/manifest.js';

const d = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('parseManifest', () => {
  it('reads a Docker manifest list with platforms', () => {
    const r = parseManifest(
      json({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: d(1), size: 10, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }],
      }),
      undefined,
      'x',
    );
    expect(r).toEqual({
      ok: true,
      manifest: {
        kind: 'index',
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: d(1), size: 10, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }],
      },
    });
  });

  it('reads an OCI manifest whose mediaType is only in the Content-Type header', () => {
    const r = parseManifest(
      json({ schemaVersion: 2, config: { mediaType: 'c', digest: d(2), size: 3 }, layers: [{ mediaType: 'l', digest: d(3), size: 4 }] }),
      'application/vnd.oci.image.manifest.v1+json; charset=utf-8',
      'x',
    );
    expect(r.ok && r.manifest.kind === 'manifest' && [r.manifest.mediaType, r.manifest.config.digest, r.manifest.layers.length]).toEqual([
      'application/vnd.oci.image.manifest.v1+json',
      d(2),
      1,
    ]);
  });

  it('refuses schema 1, non-JSON, and descriptors with bad digests', () => {
    const bad = (bytes: Buffer): string => {
      const r = parseManifest(bytes, undefined, 'docker.io/a/b:1');
      return r.ok ? 'ok' : `${r.diagnostic.id}: ${r.diagnostic.message}`;
    };
    expect(bad(json({ schemaVersion: 1 }))).toBe('image-manifest-invalid: docker.io/a/b:1: schemaVersion 1 is not supported (only 2)');
    expect(bad(Buffer.from('<html>'))).toBe('image-manifest-invalid: docker.io/a/b:1: the manifest is not JSON');
    expect(bad(json({ schemaVersion: 2, config: { mediaType: 'c', digest: 'md5:1', size: 1 }, layers: [] }))).toContain('config.digest "md5:1" is not sha256');
    expect(bad(json({ schemaVersion: 2, mediaType: 'application/vnd.oci.artifact.manifest.v1+json' }))).toContain('is not an image index or image manifest');
  });
});

describe('selectPlatform', () => {
  const m = (architecture: string, variant?: string, mediaType = 'application/vnd.oci.image.manifest.v1+json'): Descriptor => ({
    mediaType,
    digest: d(architecture.length + (variant?.length ?? 0)),
    size: 1,
    platform: { os: architecture === 'unknown' ? 'unknown' : 'linux', architecture, ...(variant ? { variant } : {}) },
  });

  it('matches os and architecture, and arm64 with a v8 variant when none is asked for', () => {
    const arm64 = m('arm64', 'v8');
    expect(selectPlatform([m('amd64'), arm64], { os: 'linux', architecture: 'arm64' })).toBe(arm64);
  });

  it('requires the variant when one is asked for', () => {
    const v6 = m('arm', 'v6');
    const v7 = m('arm', 'v7');
    expect(selectPlatform([v6, v7], { os: 'linux', architecture: 'arm', variant: 'v7' })).toBe(v7);
    expect(selectPlatform([v6], { os: 'linux', architecture: 'arm', variant: 'v7' })).toBeUndefined();
  });

  it('never picks attestation entries or nested indexes', () => {
    expect(selectPlatform([m('unknown'), m('amd64', undefined, 'application/vnd.oci.image.index.v1+json')], { os: 'linux', architecture: 'amd64' })).toBeUndefined();
  });

  it('maps TinyCore arch directories to container platforms', () => {
    expect(platformForArch('x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(platformForArch('aarch64')).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(platformForArch('armv7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
  });
});
