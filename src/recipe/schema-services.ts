/**
 * The `services:` section of a recipe: SysV init scripts tczbuild generates (src/initd). Pure.
 * Placeholder shape; src/initd owns its meaning.
 */
import { z } from 'zod';

export const writtenServices = z.record(z.string(), z.unknown()).describe('init scripts to generate (see src/initd)');
