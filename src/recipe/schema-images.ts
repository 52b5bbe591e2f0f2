/**
 * The `images:` section of a recipe: OCI images bundled as tarballs. Pure.
 * Placeholder shape; the images module owns its meaning.
 */
import { z } from 'zod';

export const writtenImages = z.array(z.unknown()).describe('container images bundled as importable tarballs');
