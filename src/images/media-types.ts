/**
 * The OCI and Docker media types tczbuild reads from registries and writes into tarballs,
 * and the Accept header that asks a registry for any of them. Pure constants.
 */

export const ociIndex = 'application/vnd.oci.image.index.v1+json';
export const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
export const dockerManifestList = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const dockerManifest = 'application/vnd.docker.distribution.manifest.v2+json';

export const indexTypes: readonly string[] = [ociIndex, dockerManifestList];
export const manifestTypes: readonly string[] = [ociManifest, dockerManifest];

/** Every type we can resolve, so the registry serves the tag's own object (an index stays an index). */
export const manifestAccept = [ociIndex, dockerManifestList, ociManifest, dockerManifest].join(', ');
