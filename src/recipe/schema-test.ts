/**
 * The `test:` section of a recipe: steps `tczbuild test` runs as root on a booted box after
 * `tce-load -wi` installed the extension (src/box/ owns running them). Pure: shape only.
 */
import { z } from 'zod';

export const writtenTestStep = z
  .strictObject({
    name: z.string().min(1).optional().describe('short label shown per step; default the first line of run'),
    run: z.string().min(1).describe('shell command run as root by /bin/sh on the box; fails on a non-zero exit'),
    expect: z.string().min(1).optional().describe('a substring the combined stdout and stderr must contain'),
    timeout: z.number().int().min(1).max(3600).optional().describe('seconds before the step is killed and fails (default: only the whole run is bounded)'),
  })
  .describe('one check run on a booted box');

export const writtenTest = z.array(writtenTestStep).describe('steps `tczbuild test` runs on a booted TinyCore box after installing the extension');

export type WrittenTestStep = z.output<typeof writtenTestStep>;
