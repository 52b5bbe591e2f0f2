/**
 * The written box definition (`boxes/*.yaml`): the kernel and initrd files a TinyCore box boots
 * (URL + sha256 through the verified source cache, or a local path relative to the file), its
 * kernel command line, memory, accelerator and TinyCore target. One zod schema serves runtime
 * validation and boxes/box.schema.json. Pure.
 */
import { z } from 'zod';
import { sha256Field } from '../recipe/schema.js';

const bootFile = z.union([
  z.strictObject({
    url: z.string().regex(/^(https?|file):\/\//, 'an http(s):// or file:// URL').describe('where the file is published'),
    sha256: sha256Field,
  }),
  z.strictObject({ path: z.string().min(1).describe('a local file, relative to this box file') }),
]).describe('a boot file: { url, sha256 } fetched and verified like recipe sources, or { path }');

export const writtenBox = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._+-]*$/).describe('the box name shown in logs'),
    kernel: bootFile.describe('the kernel image (TinyCore: vmlinuz64)'),
    initrd: z.array(bootFile).min(1).describe('initrd files, concatenated in order (TinyCore: corepure64.gz, modules64.gz)'),
    cmdline: z.string().default('console=ttyS0').describe('kernel command line; console=ttyS0 is required for the results to reach the host'),
    memory: z.number().int().min(128).max(65536).default(1024).describe('guest memory in MiB'),
    glibc: z
      .string()
      .regex(/^\d+\.\d+$/)
      .optional()
      .describe("the glibc the box's base system really runs, when it is not the target release's (a stand-in box runs its host's): the GLIBC_x.y floor installed ELF files are checked against; default: the target release's glibc from docs/tinycore-releases.md"),
    accel: z.enum(['kvm', 'tcg', 'auto']).default('auto').describe('kvm, tcg, or auto: probe KVM with a short boot and fall back to tcg'),
    target: z
      .strictObject({
        'tc-version': z.string().regex(/^\d+$/).describe('TinyCore major version: the 15 in 15.x'),
        arch: z.enum(['x86_64']).default('x86_64').describe('TinyCore arch directory (QEMU x86_64 boots only x86_64 here)'),
      })
      .describe('which mirror directory the box installs from: <tc-version>.x/<arch>/tcz'),
  })
  .describe('a TinyCore box `tczbuild test` boots in QEMU');

export type WrittenBox = z.output<typeof writtenBox>;
export type WrittenBootFile = z.output<typeof bootFile>;
