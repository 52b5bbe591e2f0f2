/**
 * The written recipe: exactly what a `recipes/NAME.yaml` may say, as one zod schema. It is the
 * single source for runtime validation (with unknown-key rejection) and for the JSON Schema
 * editors use (recipes/recipe.schema.json). Sections owned by other modules (services, images,
 * kernel) live in their own files and are composed here. Pure.
 */
import { z } from 'zod';
import { writtenServices } from './schema-services.js';
import { writtenImages } from './schema-images.js';
import { writtenKernel } from './schema-kernel.js';
import { writtenTest } from './schema-test.js';
import { sizePattern } from './sizes.js';
import { tinyCoreArches, unknownArchMessage } from './arch.js';

const octalMode = z
  .string()
  .regex(/^0?[0-7]{3,4}$/, 'a mode is an octal string such as "0755"')
  .describe('octal permission bits, quoted: "0755"');

const owner = z
  .union([z.enum(['root', 'tc']), z.number().int().min(0).max(65535)])
  .describe('user name (root, tc) or numeric uid');
const group = z
  .union([z.enum(['root', 'staff']), z.number().int().min(0).max(65535)])
  .describe('group name (root, staff) or numeric gid');

/**
 * What checkImagePath (paths.ts) enforces, as a pattern for editors: no leading slash, no `..`
 * segment, no white space or control characters. Runtime checks stay in normalize, which
 * reports them as bad-path after substituting variables.
 */
export const imagePathPattern = String.raw`^(?!/)(?!(?:.*/)?\.\.(?:/|$))[^\s\x00-\x1f\x7f]*$`;

const relPath = z
  .string()
  .min(1)
  .meta({ pattern: imagePathPattern })
  .describe('path inside the image, relative to / (no leading slash, no ..)');

/** URLs that are archives by name alone: such a source may leave out extract:. */
export const archiveSuffix = /\.(tar|tar\.(gz|xz|bz2|zst)|tgz|txz|tbz2?|tzst|zip|deb)$/;

/** sha256 is mandatory: 64 hex digits, or the explicit word `unpinned` until `tczbuild pin` fills it. */
export const sha256Field = z
  .string()
  .regex(/^([0-9a-f]{64}|unpinned)$/, 'sha256 is 64 lowercase hex digits, or "unpinned"')
  .describe('sha256 of the downloaded file, or "unpinned" until `tczbuild pin` fills it in');

const size = z
  .union([z.number().int().min(0), z.string().regex(sizePattern, 'a size is a number of bytes or a number with a unit: "500MiB", "8GiB"')])
  .describe('bytes, or a number with a unit: "500MiB", "8GiB"');

const extract = z
  .strictObject({
    strip: z.number().int().min(0).max(16).default(0).describe('leading path components to drop'),
    into: relPath.default('').describe('directory in the image the archive is unpacked into'),
    include: z.array(z.string().min(1)).optional().describe('glob patterns (after strip) to keep; default all'),
    exclude: z.array(z.string().min(1)).optional().describe('glob patterns (after strip) to drop'),
    'max-size': size.optional().describe('most bytes this archive may unpack to; default 2GiB'),
  })
  .describe('unpack a tar (plain, .gz, .xz, .bz2 or .zst), a zip, or a Debian package (.deb: the paths inside its data.tar); the format is read from the bytes');

const install = z
  .strictObject({
    to: relPath.describe('file path in the image'),
    mode: octalMode.optional(),
  })
  .describe('place a single downloaded file');

const source = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).optional().describe('short name used in logs; default the URL basename'),
    url: z.string().min(1).describe('http(s):// or file:// URL; ${version}, ${arch}, ${goarch}, ${tc_version} and vars: are substituted'),
    sha256: sha256Field,
    arch: z
      .array(z.enum(tinyCoreArches, { error: (issue) => unknownArchMessage(issue.input) }))
      .optional()
      .describe('only for these TinyCore arches (x86_64, x86, aarch64, armv7, armv6)'),
    extract: extract.optional(),
    install: install.optional(),
  })
  // Checked at run time by normalize (invalid-value / missing-key); stated here for editors.
  .meta({
    oneOf: [
      { required: ['extract'], not: { required: ['install'] } },
      { required: ['install'], not: { required: ['extract'] } },
      { not: { anyOf: [{ required: ['extract'] }, { required: ['install'] }] }, properties: { url: { pattern: archiveSuffix.source } } },
    ],
  })
  .describe('a downloaded input, verified by sha256 before use: exactly one of extract: (an archive) or install: (a single file)');

const fileOverride = z
  .strictObject({
    path: z.string().min(1).describe('path or glob (* within a segment, ** across segments) in the image'),
    mode: octalMode.optional(),
    owner: owner.optional(),
    group: group.optional(),
  })
  .describe('mode and ownership for matching paths');

const symlink = z.strictObject({
  path: relPath.describe('where the link is created in the image'),
  target: z.string().min(1).describe('what it points to'),
});

const boxLink = z
  .strictObject({
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._+@/:,%=-]*[A-Za-z0-9._+@:,%=-]$/, 'an absolute path on the box, e.g. /lib64')
      .describe('where the link goes on the box'),
    target: z.string().regex(/^[A-Za-z0-9._+@/:,%=-]+$/, 'a path without spaces or quotes').describe("what it points to: relative to the link's directory, or absolute"),
    why: z.string().optional().describe('who needs it (shown in the hook)'),
  })
  .describe('a symlink the install hook makes on the box when nothing exists there yet; never shipped in the image');

const directory = z.strictObject({
  path: relPath,
  mode: octalMode.optional(),
  owner: owner.optional(),
  group: group.optional(),
});

/** Far above any TinyCore extension name, far enough below 255 bytes for NAME.tcz.tree.tmp-PID-hex. */
export const maxNameLength = 128;

export const writtenRecipe = z
  .strictObject({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9._+-]*$/, 'a name is letters, digits and . _ + -')
      // every file named after it (NAME.tcz.build.json, index temp files) must fit a filesystem's 255-byte names
      .max(maxNameLength, `a name is at most ${maxNameLength} characters: the files named after it must fit the 255-byte file-name limit`)
      .describe('extension name: NAME.tcz; must equal the file name'),
    version: z.string().min(1),
    description: z.string().min(1),
    author: z.string().min(1),
    'original-site': z.string().min(1),
    'copying-policy': z.string().min(1),
    'extension-by': z.string().min(1).default('tczbuild'),
    tags: z.array(z.string().regex(/^\S+$/)).default([]),
    comments: z.string().default(''),
    'change-log': z.string().optional(),
    vars: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/), z.string()).default({}),
    depends: z
      .array(
        z.union([
          z.string().min(1),
          z
            .strictObject({
              name: z.string().min(1).describe('extension name (bare or NAME.tcz); -KERNEL allowed'),
              'tc-version': z.array(z.string().regex(/^\d+$/)).optional().describe('only for these TinyCore major versions, e.g. ["11"]'),
              arch: z.array(z.string()).optional().describe('only for these TinyCore arches'),
            })
            .describe('a dependency only some targets need (e.g. a module their kernel lacks)'),
        ]),
      )
      .default([])
      .describe('extension names (bare or NAME.tcz); -KERNEL allowed; an entry with tc-version/arch applies only to those targets'),
    sources: z.array(source).default([]),
    overlays: z.array(z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/)).default([]).describe('directories under rootfs-overlays/'),
    files: z.array(fileOverride).default([]),
    directories: z.array(directory).default([]),
    symlinks: z.array(symlink).default([]),
    'max-unpacked-size': size.optional().describe("most bytes all of the recipe's archives may unpack to; default 4GiB"),
    'allow-empty': z.boolean().default(false).describe('publish the extension even when it holds no files (a meta-extension that only pulls in its depends)'),
    'runtime-paths': z.array(z.string().min(1)).default([]).describe('paths the software writes at run time: never shipped'),
    'box-links': z
      .array(boxLink)
      .default([])
      .describe('links the install hook makes on the box (an ELF loader path such as /lib64, /opt/cni/bin): base-system places an image must not ship'),
    services: writtenServices.optional(),
    hooks: z
      .strictObject({
        installed: z
          .string()
          .min(1)
          .optional()
          .describe('shell (BusyBox ash) run as root by the tce.installed hook after the generated steps and before autostart; checked by lint with shellcheck and ash -n'),
      })
      .optional()
      .describe("the recipe's own hook bodies, merged into the generated ones"),
    images: writtenImages.optional(),
    kernel: writtenKernel.optional(),
    test: writtenTest.optional(),
  })
  .describe('a tczbuild recipe: one TinyCore extension');

export type WrittenRecipe = z.output<typeof writtenRecipe>;
export type WrittenSource = z.output<typeof source>;
