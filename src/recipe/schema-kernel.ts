/**
 * The `kernel:` section of a recipe: the kernel-config fragments (kernel-config/NAME.cfg) the
 * extension needs from the kernel, e.g. `fragments: [overlay, containers]`, and symbols it
 * cannot run without (`require: [MEMCG]`). `tczbuild all`
 * merges the fragments of every recipe into out/kernel/tczbuild.config and `kernel-config
 * check --recipes` checks a kernel against them. Modules an init script loads are declared on
 * the service (`services.<name>.modules`), not here. Pure: shape only; src/kconfig owns meaning.
 */
import { z } from 'zod';

const fragmentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a fragment name is the file name under kernel-config/ without .cfg, e.g. overlay')
  .describe('a kernel-config/NAME.cfg fragment, named without .cfg');

export const writtenKernel = z
  .strictObject({
    fragments: z
      .array(fragmentName)
      .default([])
      .describe('fragments this extension needs, merged in order (a later fragment wins, as in merge_config.sh)'),
    require: z
      .array(z.string().regex(/^[A-Z0-9_]+$/, 'a Kconfig symbol without CONFIG_, e.g. MEMCG'))
      .default([])
      .describe('symbols this extension cannot run without: `kernel-config check` treats them as required (=y or a module) even where symbols.yaml says recommended, e.g. MEMCG for memory limits'),
  })
  .describe('kernel requirements');

export type WrittenKernel = z.output<typeof writtenKernel>;
