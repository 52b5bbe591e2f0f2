/**
 * The `images:` section of a recipe: OCI images bundled into the extension as tarballs that
 * `ctr image import` accepts, pinned by manifest digest. The images module owns how they are
 * pulled; src/initd reads the same entries to import them at boot. Pure.
 */
import { z } from 'zod';

export const writtenImage = z
  .strictObject({
    ref: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.:_/-]*[a-z0-9](:[\w][\w.-]{0,127})?$/, 'a reference is registry/repository:tag, e.g. docker.io/openfaas/gateway:0.18.18')
      .describe('fully qualified image reference with tag, as the software asks for it'),
    digest: z
      .string()
      .regex(/^(sha256:[0-9a-f]{64}|unpinned)$/, 'digest is sha256:<64 hex>, or "unpinned"')
      .describe('manifest (or index) digest; "unpinned" until `tczbuild pin` resolves it'),
    platform: z.string().regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/).optional().describe('os/arch[/variant]; default linux/<goarch of the target>'),
    to: z.string().min(1).optional().describe('tarball path in the image; default usr/local/share/<name>/images/<repo-basename>.tar'),
    namespace: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).default('default').describe('containerd namespace the init script imports into'),
  })
  .describe('a container image bundled as an importable tarball');

export const writtenImages = z.array(writtenImage).describe('container images bundled as importable tarballs');

export type WrittenImage = z.output<typeof writtenImage>;
