/**
 * The images module's public face: what the builder calls while staging (stageImages), what
 * lint and the builder check (checkImages, unpinnedImageErrors), and what `tczbuild pin`
 * uses. Everything else in src/images is internal.
 */

export { prefetchImages, stageImages, type StageImagesContext } from './stage.js';
export { checkImages, unpinnedImageErrors } from './check.js';
export { tarballFormatVersion } from './layout.js';
export { parseReference, registryBaseUrl, type ImageReference } from './reference.js';
export { RegistryClient, type RegistryClientOptions } from './registry/client.js';
