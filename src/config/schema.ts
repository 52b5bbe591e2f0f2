/**
 * tczbuild.yaml, the project config file: where recipes, out/ and the cache are, which targets
 * one run builds, and the mirrors to use. One zod schema validates it at run time and is
 * rendered to tczbuild.schema.json for editors (`npm run schema`). Every key is optional; a
 * command-line flag overrides the key. Pure.
 */
import { z } from 'zod';
import { tinyCoreArches } from '../recipe/arch.js';

/** `15.x/aarch64`: a TinyCore release series and arch directory, as on a mirror. */
export const targetPattern = new RegExp(`^(\\d+)\\.x/(${tinyCoreArches.join('|')})$`);

const dir = z.string().min(1);
const httpUrl = z.string().regex(/^https?:\/\/[^/]/, 'an http:// or https:// URL');

export const projectConfig = z
  .strictObject({
    $schema: z.string().optional(),
    recipes: dir.optional().describe('directory holding NAME.yaml recipes, relative to this file (default: recipes)'),
    overlays: dir.optional().describe('directory holding rootfs overlays (default: rootfs-overlays beside the recipes directory)'),
    out: dir.optional().describe('output directory: the tce mirror tree (default: out)'),
    cache: dir.optional().describe('download cache (default: $XDG_CACHE_HOME/tczbuild or ~/.cache/tczbuild)'),
    targets: z
      .array(z.string().regex(targetPattern, `a target is VERSION.x/ARCH, such as 15.x/x86_64 (arches: ${tinyCoreArches.join(', ')})`))
      .min(1)
      .optional()
      .describe('what one run builds, each into out/VERSION.x/ARCH/tcz (default: [11.x/x86_64])'),
    upstream: httpUrl.optional().describe('TinyCore mirror (the part before 11.x/) that `serve` falls through to for what out/ lacks'),
    'source-mirrors': z.array(z.string().min(1)).optional().describe('URLs or directories tried before upstream for every source'),
    'registry-mirrors': z.record(z.string().min(1), httpUrl).optional().describe('registry host → base URL to pull its images from instead'),
    'log-dir': dir.optional().describe('where `tczbuild test` keeps each run\'s console.log, relative to this file (as --log-dir; default: a new directory under the system temp dir)'),
    'remote-cache': httpUrl.optional().describe('Bazel HTTP remote cache for built outputs (as --remote-cache); keep passwords in NETRC, not here'),
  })
  .describe('tczbuild project config (tczbuild.yaml)');

export type ProjectConfig = z.output<typeof projectConfig>;

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(projectConfig, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://tczbuild.invalid/tczbuild.schema.json', title: 'tczbuild project config' };
}
