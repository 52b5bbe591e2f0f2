/**
 * The registry of diagnostic ids: each id maps to a severity, a title and a default hint.
 * Ids are part of the CLI's contract (tests and `--json` consumers match on them), so an id
 * is never renamed or reused. This module is pure data.
 */

export type Severity = 'error' | 'warning';

export interface DiagnosticCode {
  readonly severity: Severity;
  readonly title: string;
  readonly hint?: string;
}

export const codes = {
  // recipe input
  'yaml-syntax': { severity: 'error', title: 'the file is not valid YAML', hint: 'fix the YAML syntax at the marked position' },
  'unknown-key': { severity: 'error', title: 'unknown key', hint: 'remove the key or check its spelling against recipes/recipe.schema.json' },
  'invalid-value': { severity: 'error', title: 'wrong type or value', hint: 'see recipes/recipe.schema.json for the allowed values' },
  'missing-key': { severity: 'error', title: 'a required key is missing', hint: 'add the key; recipes/recipe.schema.json lists what each section needs' },
  'undefined-variable': { severity: 'error', title: 'undefined variable', hint: 'use one of ${name}, ${version}, ${arch}, ${tc_version} or a key under vars:' },
  'name-mismatch': { severity: 'error', title: 'recipe name does not match its file name' },
  'duplicate-name': { severity: 'error', title: 'two recipes declare the same name', hint: 'keep one recipe per extension name: delete or rename the other file' },
  'duplicate-target': { severity: 'error', title: 'two entries place something at the same path', hint: 'remove one of the two entries or give it another path' },
  'source-hash-missing': { severity: 'error', title: 'a source has no sha256', hint: 'run `tczbuild pin` on a machine with internet access to fill it in' },
  'source-unpinned': { severity: 'warning', title: 'a source is not pinned yet', hint: 'run `tczbuild pin` on a machine with internet access to fill it in' },
  'runtime-written-path': { severity: 'error', title: 'a runtime-written path would be shipped read-only', hint: 'let the init script or tce.installed hook create this path at run time instead' },
  'bad-path': { severity: 'error', title: 'a path is not allowed here', hint: 'use a path inside the image, relative to /, without .. and without climbing above the root' },
  'overlay-missing': { severity: 'error', title: 'an overlay directory does not exist' },
  'dependency-cycle': { severity: 'error', title: 'recipes depend on each other in a cycle', hint: 'remove one of the depends entries in the cycle' },
  'dependency-missing': { severity: 'warning', title: 'a dependency is neither a recipe nor a known upstream extension', hint: 'check the spelling; if it is an upstream TinyCore extension, make sure the mirror serves it (tczbuild serve --upstream) and verify it with --allow-upstream' },
  'recipe-limit': { severity: 'error', title: 'a recipe exceeds a parser limit (alias count, nesting depth or variable expansion)', hint: 'simplify the marked part of the recipe: a real recipe never comes near these limits' },
  'recipe-not-found': { severity: 'error', title: 'no recipe with that name' },
  'no-recipes': { severity: 'error', title: 'no recipes found' },
  'no-sources-for-target': { severity: 'warning', title: 'a recipe has no sources for the target being built', hint: 'add a source for this arch, or leave the target out of targets: / --target' },
  'config-invalid': { severity: 'error', title: 'tczbuild.yaml is not valid', hint: 'fix the marked key; tczbuild.schema.json lists what tczbuild.yaml may say' },
  // fetching
  'fetch-failed': { severity: 'error', title: 'a source could not be downloaded' },
  'fetch-offline-missing': { severity: 'error', title: 'sources are missing from the cache in --offline mode', hint: 'run `tczbuild fetch` on a connected machine, or pass --source-mirror' },
  'yaml-limit': { severity: 'error', title: 'a YAML file exceeds a parser limit (alias count or nesting depth)', hint: 'simplify the marked part: a real file never comes near these limits' },
  'recipe-unreadable': { severity: 'error', title: 'a recipe file cannot be read', hint: 'a recipe is a regular YAML file of at most 1 MiB; remove or replace what stands at that name' },
  'checksum-mismatch': { severity: 'error', title: 'a download does not match its pinned sha256', hint: 'if upstream re-released the file on purpose, verify it and run `tczbuild pin --force`' },
  'source-hash-stale': { severity: 'error', title: "a source's url changed but its sha256 still names the bytes of another URL", hint: 'update the sha256 (`tczbuild pin --force NAME`) or put the old URL back' },
  // staging
  'archive-unsafe-entry': { severity: 'error', title: 'an archive entry would land outside the staging tree', hint: 'the archive is not safe to unpack; check the source, or leave the entry out with extract.include/exclude' },
  'archive-unsupported-entry': { severity: 'error', title: 'an archive contains an entry type tczbuild refuses', hint: 'leave the entry out with extract.include/exclude, or create it at run time from an init script' },
  'archive-corrupt': { severity: 'error', title: 'an archive could not be read' },
  'archive-include-unmatched': { severity: 'error', title: 'an include pattern matched nothing in the archive' },
  'archive-empty': { severity: 'error', title: 'an archive is empty (0 bytes or no entries)' },
  'archive-unsupported-format': { severity: 'error', title: 'a source is an archive format tczbuild does not unpack' },
  'archive-bad-name': { severity: 'error', title: 'an archive entry name is not valid UTF-8' },
  'archive-name-too-long': { severity: 'error', title: "an archive entry name is too long for the build machine's filesystem" },
  'unpack-too-large': { severity: 'error', title: 'archives unpack to more than the recipe allows' },
  'stage-no-space': { severity: 'error', title: 'the disk filled up while staging an image' },
  'extension-empty': { severity: 'error', title: 'an extension would contain no files', hint: 'for a meta-extension that only pulls in its depends, set `allow-empty: true`' },
  'file-override-unmatched': { severity: 'error', title: 'a files: entry names a path the image does not contain' },
  // tools and output
  'source-date-epoch-invalid': { severity: 'error', title: 'SOURCE_DATE_EPOCH is not a number of seconds', hint: 'set SOURCE_DATE_EPOCH to digits only, or unset it' },
  'output-cache-miss': { severity: 'error', title: 'an extension that must come from the output cache is not in it', hint: 'run the --shard jobs (with upload to the same --remote-cache) before the assembly job, or drop --from-cache to build what is missing here' },
  'tool-missing': { severity: 'error', title: 'a required tool is not installed' },
  'tool-failed': { severity: 'error', title: 'an external tool failed', hint: 'read the tool\'s output above; check free disk space and the tool\'s version' },
  'out-locked': { severity: 'error', title: 'another tczbuild is publishing into the same output directory' },
  'out-unwritable': { severity: 'error', title: 'the output directory cannot be written' },
  'out-overlaps-input': { severity: 'error', title: 'the output directory holds an input of the build (the project, the recipes, the overlays or the cache)', hint: 'pass --out a directory of its own, e.g. out/ in the project, and keep --cache outside it' },
  'out-mount-point': { severity: 'error', title: 'the output directory is busy (an unrecognised mount point) and cannot be replaced' },
  'internal-error': { severity: 'error', title: 'tczbuild hit a bug', hint: 'please report it with the command line and the output above' },
} as const satisfies Record<string, DiagnosticCode>;

export type DiagnosticId = keyof typeof codes;

/** Register ids owned by other modules (initd, images, kconfig, mirror) without editing this file. */
const extra = new Map<string, DiagnosticCode>();

export function registerCodes(more: Record<string, DiagnosticCode>): void {
  for (const [id, code] of Object.entries(more)) {
    if (id in codes || extra.has(id)) throw new Error(`diagnostic id registered twice: ${id}`);
    extra.set(id, code);
  }
}

export function lookupCode(id: string): DiagnosticCode | undefined {
  return (codes as Record<string, DiagnosticCode>)[id] ?? extra.get(id);
}
