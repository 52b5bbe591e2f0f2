import { describe, expect, it } from 'vitest';
import { planLayout } from '../../src/images/layout.js';
import type { PulledImage } from '../../src/images/pull.js';

const d = (c: string): string => `sha256:${c.repeat(64)}`;

const image: PulledImage = {
  ref: { registry: 'docker.io', repository: 'openfaas/gateway', tag: '0.18.18', full: 'docker.io/openfaas/gateway:0.18.18' },
  top: { mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: d('f'), size: 700 },
  manifest: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: d('a'), size: 500 },
  siblings: [{ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: d('b'), size: 400, platform: { os: 'linux', architecture: '386' } }],
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: d('c'), size: 300 },
  layers: [
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('2'), size: 20 },
    { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: d('1'), size: 10 },
  ],
};

describe('planLayout', () => {
  const entries = planLayout(image);
  const file = (name: string): string => {
    const e = entries.find((x) => x.name === name);
    if (e?.type !== 'file') throw new Error(`no file ${name}`);
    return e.bytes.toString();
  };

  it('lists directories, every blob once (other platforms: manifest only), and the three metadata files in sorted order', () => {
    expect(entries.map((e) => `${e.type} ${e.name}`)).toEqual([
      'directory blobs/',
      'directory blobs/sha256/',
      `blob blobs/sha256/${'1'.repeat(64)}`,
      `blob blobs/sha256/${'2'.repeat(64)}`,
      `blob blobs/sha256/${'a'.repeat(64)}`,
      `blob blobs/sha256/${'b'.repeat(64)}`,
      `blob blobs/sha256/${'c'.repeat(64)}`,
      `blob blobs/sha256/${'f'.repeat(64)}`,
      'file index.json',
      'file manifest.json',
      'file oci-layout',
    ]);
  });

  it('names the pinned object in index.json under the full reference', async () => {
    await expect(JSON.stringify(JSON.parse(file('index.json')), null, 2)).toMatchFileSnapshot('golden/index.json');
  });

  it('writes a docker manifest.json whose layers keep the manifest order', async () => {
    await expect(JSON.stringify(JSON.parse(file('manifest.json')), null, 2)).toMatchFileSnapshot('golden/manifest.json');
    expect(file('oci-layout')).toBe('{"imageLayoutVersion":"1.0.0"}');
  });
});
