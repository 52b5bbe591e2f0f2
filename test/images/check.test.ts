import { describe, expect, it } from 'vitest';
import { checkImages, unpinnedImageErrors } from '../../src/images/check.js';
import { imagesRecipe, recipeFrom } from './helpers/recipe.js';

const pinned = `sha256:${'a'.repeat(64)}`;

describe('checkImages', () => {
  it('warns about each unpinned image at its digest line', () => {
    const r = recipeFrom(imagesRecipe([{ ref: 'docker.io/openfaas/gateway:0.18.18', digest: 'unpinned' }, { ref: 'docker.io/prom/prometheus:v2.14.0', digest: pinned }]));
    expect(checkImages(r).map((d) => [d.id, d.severity, d.line, d.col])).toEqual([['image-unpinned', 'warning', 9, 13]]);
  });

  it('refuses two images that land on the same tarball path', () => {
    const r = recipeFrom(imagesRecipe([{ ref: 'docker.io/openfaas/gateway:0.18.18', digest: pinned }, { ref: 'ghcr.io/openfaas/gateway:0.20.7', digest: pinned }]));
    const found = checkImages(r);
    expect(found.map((d) => [d.id, d.line])).toEqual([['duplicate-target', 10]]);
    expect(found[0]!.message).toContain('usr/local/share/demo/images/gateway.tar');
  });

  it('asks for the reference in the full form ctr and the init script use', () => {
    const r = recipeFrom(imagesRecipe([{ ref: 'nats-streaming:0.11.2', digest: pinned }, { ref: 'prom/prometheus', digest: pinned }]));
    expect(checkImages(r).map((d) => [d.id, d.severity, d.line, d.hint])).toEqual([
      ['image-bad-reference', 'error', 8, 'write ref: docker.io/library/nats-streaming:0.11.2'],
      ['image-bad-reference', 'error', 10, 'write ref: docker.io/prom/prometheus:latest'],
    ]);
  });

  it('checks to: paths and reference syntax', () => {
    const r = recipeFrom(imagesRecipe([{ ref: 'docker.io/a/b:1', digest: pinned, to: 'usr/../../etc/x.tar' }]));
    expect(checkImages(r).map((d) => d.id)).toEqual(['bad-path']);
  });
});

describe('unpinnedImageErrors', () => {
  it('turns each unpinned image into a build error, and says nothing about pinned ones', () => {
    const r = recipeFrom(imagesRecipe([{ ref: 'docker.io/a/b:1', digest: pinned }, { ref: 'docker.io/a/c:1', digest: 'unpinned' }]));
    expect(unpinnedImageErrors(r).map((d) => [d.id, d.severity, d.line])).toEqual([['image-digest-missing', 'error', 11]]);
  });
});
