/**
 * Where a bundled container image tarball lives inside an extension. The images module writes
 * the tarball there and the generated init script imports it from there, so both read this one
 * function. Pure: no filesystem access.
 */

/** The repository part of a reference: `docker.io/openfaas/gateway:0.18.18` → `docker.io/openfaas/gateway`. */
export function repositoryOf(ref: string): string {
  const withoutDigest = ref.split('@')[0] ?? ref;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  // A colon after the last slash is a tag; one before it belongs to a registry host:port.
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/**
 * Image-relative path (no leading slash) of the tarball for `ref`: the recipe's `to:` when it
 * says one, else `usr/local/share/<recipe name>/images/<last repository segment>.tar`.
 */
export function imageTarballPath(recipeName: string, ref: string, to?: string): string {
  if (to !== undefined && to !== '') return to.replace(/^\/+/, '');
  const repository = repositoryOf(ref);
  const base = repository.slice(repository.lastIndexOf('/') + 1);
  return `usr/local/share/${recipeName}/images/${base}.tar`;
}
