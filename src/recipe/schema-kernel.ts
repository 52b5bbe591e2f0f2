/**
 * The `kernel:` section of a recipe: which kernel-config fragments it needs. Pure.
 * Placeholder shape; src/kconfig owns its meaning.
 */
import { z } from 'zod';

export const writtenKernel = z
  .strictObject({
    fragments: z.array(z.string()).default([]).describe('names of kernel-config/*.cfg fragments this extension needs'),
  })
  .describe('kernel requirements');
