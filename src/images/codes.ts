/**
 * Diagnostic ids owned by the images module (pulling, verifying and bundling OCI images, and
 * `tczbuild pin`). Registered once when this module loads, so the shared registry in
 * src/diagnostics stays untouched. Pure data.
 */
import { registerCodes } from '../diagnostics/codes.js';

registerCodes({
  'bump-not-written': {
    severity: 'error',
    title: 'bump left the recipe as it was because a source of the new version could not be fetched',
    hint: 'check that the new version exists upstream and that every URL in the recipe follows ${version}',
  },
  'image-unpinned': {
    severity: 'warning',
    title: 'an image is not pinned to a digest yet',
    hint: 'run `tczbuild pin` on a machine with internet access to fill it in',
  },
  'image-digest-missing': {
    severity: 'error',
    title: 'an image has no pinned digest, so it cannot be bundled',
    hint: 'run `tczbuild pin` on a machine with internet access to fill it in',
  },
  'image-bad-reference': { severity: 'error', title: 'an image reference cannot be parsed' },
  'image-digest-mismatch': {
    severity: 'error',
    title: 'the registry served a manifest that does not match the pinned digest',
    hint: 'if the image was re-pushed on purpose, verify it and run `tczbuild pin --force`',
  },
  'image-blob-mismatch': {
    severity: 'error',
    title: 'an image blob does not match its digest',
    hint: 'the registry or a proxy in between served wrong bytes; nothing was stored',
  },
  'image-manifest-invalid': { severity: 'error', title: 'an image manifest is not a format tczbuild understands' },
  'image-platform-missing': {
    severity: 'error',
    title: 'the image has no manifest for the requested platform',
    hint: 'set platform: to one the image offers, or pin a tag built for it',
  },
  'image-offline-missing': {
    severity: 'error',
    title: 'image content is missing from the cache in --offline mode',
    hint: 'build (or `tczbuild fetch`) once on a connected machine with the same --cache, then build offline',
  },
  'image-not-found': {
    severity: 'error',
    title: 'the registry does not have the requested manifest or blob',
    hint: 'check the reference; a pinned digest must come from `tczbuild pin` against this repository',
  },
  'registry-failed': {
    severity: 'error',
    title: 'a container registry request failed',
    hint: 'check the network and try again; --registry-mirror HOST=URL points a registry host elsewhere',
  },
  'registry-auth-failed': {
    severity: 'error',
    title: 'the registry refused access',
    hint: 'check the reference; private repositories are not supported',
  },
  'pin-failed': { severity: 'error', title: 'a recipe could not be pinned' },
});
