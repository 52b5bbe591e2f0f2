/** Diagnostic ids of pulling, verifying and bundling OCI images, `pin` and `bump`. Pure data, gathered into the one registry by ../codes.ts. */
import type { DiagnosticCode } from '../code.js';

export const imageCodes = {
  'bump-not-written': {
    severity: 'error', exit: 1,
    title: 'bump left the recipe as it was because a source of the new version could not be fetched',
    hint: 'check that the new version exists upstream and that every URL in the recipe follows ${version}',
  },
  'image-unpinned': {
    severity: 'warning', exit: 0,
    title: 'an image is not pinned to a digest yet',
    hint: 'run `tczbuild pin` on a machine with internet access to fill it in',
  },
  'image-digest-missing': {
    severity: 'error', exit: 1,
    title: 'an image has no pinned digest, so it cannot be bundled',
    hint: 'run `tczbuild pin` on a machine with internet access to fill it in',
  },
  'image-bad-reference': { severity: 'error', exit: 1, title: 'an image reference cannot be parsed', hint: 'write the reference as containerd names it: registry/repository:tag (e.g. docker.io/library/alpine:3.20)' },
  'image-digest-mismatch': {
    severity: 'error', exit: 1,
    title: 'the registry served a manifest that does not match the pinned digest',
    hint: 'if the image was re-pushed on purpose, verify it and run `tczbuild pin --force`',
  },
  'image-blob-mismatch': {
    severity: 'error', exit: 1,
    title: 'an image blob does not match its digest',
    hint: 'the registry or a proxy in between served wrong bytes; nothing was stored',
  },
  'image-manifest-invalid': { severity: 'error', exit: 1, title: 'an image manifest is not a format tczbuild understands', hint: 'the registry served something other than an OCI or Docker image manifest; check the reference and the registry' },
  'image-platform-missing': {
    severity: 'error', exit: 1,
    title: 'the image has no manifest for the requested platform',
    hint: 'set platform: to one the image offers, or pin a tag built for it',
  },
  'image-offline-missing': {
    severity: 'error', exit: 1,
    title: 'image content is missing from the cache in --offline mode',
    hint: 'build (or `tczbuild fetch`) once on a connected machine with the same --cache, then build offline',
  },
  'image-not-found': {
    severity: 'error', exit: 1,
    title: 'the registry does not have the requested manifest or blob',
    hint: 'check the reference; a pinned digest must come from `tczbuild pin` against this repository',
  },
  'registry-failed': {
    severity: 'error', exit: 1,
    title: 'a container registry request failed',
    hint: 'check the network and try again; --registry-mirror HOST=URL points a registry host elsewhere',
  },
  'registry-auth-failed': {
    severity: 'error', exit: 1,
    title: 'the registry refused access',
    hint: 'check the reference; private repositories are not supported',
  },
  'pin-failed': { severity: 'error', exit: 1, title: 'a recipe could not be pinned', hint: 'read the errors above; pin needs a machine that reaches every source and registry' },
} as const satisfies Record<string, DiagnosticCode>;
