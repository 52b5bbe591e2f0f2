/**
 * The bad-input corpus as data: each case names its fixture under test/fixtures/bad-recipes/
 * (recipes, overlays), what it serves, and the one diagnostic a user must get (id, file, line,
 * column) plus words the message must contain. bad-input.test.ts runs every case against a
 * previously built out/. Positions are 1-based and point at the YAML node to fix.
 */
import type { Route } from '../helpers/fixture-server.js';

export interface Expected {
  readonly id: string;
  /** Shown relative to the project directory; 'OUT' means the absolute out/ path. */
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly message: RegExp;
}

export type Environment = 'no-mksquashfs' | 'failing-mksquashfs' | 'immutable-parent' | 'immutable-out' | 'locked';

export interface BadCase {
  readonly name: string;
  readonly fixture: string;
  /** Extra placeholders: @ARTIFACT@ (archive template), @ROUTE@ (network template). */
  readonly artifact?: string;
  /** Network cases: how the fixture server answers /<case name>/other-1.0.tar.gz. */
  readonly route?: (body: Buffer) => Route;
  /** Requests the server must have seen for that route: retries are bounded. */
  readonly requests?: number;
  readonly environment?: Environment;
  readonly expect: Expected;
}

const evil = 'recipes/evil.yaml';
const other = 'recipes/other.yaml';
const broken = 'recipes/broken.yaml';

const archive = (name: string, artifact: string, id: string, message: RegExp): BadCase => ({
  name,
  fixture: 'archive',
  artifact,
  expect: { id, file: evil, line: 8, col: 5, message },
});

const network = (name: string, route: (body: Buffer) => Route, requests: number, message: RegExp): BadCase => ({
  name,
  fixture: 'network',
  route,
  requests,
  expect: { id: 'fetch-failed', file: 'recipes/fetchy.yaml', line: 8, col: 5, message },
});

export const badCases: readonly BadCase[] = [
  // YAML syntax
  { name: 'yaml-unclosed-flow', fixture: 'yaml-unclosed-flow', expect: { id: 'yaml-syntax', file: broken, line: 8, col: 1, message: /flow sequence|\]/i } },
  { name: 'yaml-bad-indent', fixture: 'yaml-bad-indent', expect: { id: 'yaml-syntax', file: broken, line: 9, col: 1, message: /sequence item|indent/i } },
  { name: 'yaml-duplicate-key', fixture: 'yaml-duplicate-key', expect: { id: 'yaml-syntax', file: broken, line: 7, col: 1, message: /unique/i } },
  { name: 'yaml-tab-indent', fixture: 'yaml-tab-indent', expect: { id: 'yaml-syntax', file: broken, line: 8, col: 1, message: /tab/i } },
  { name: 'yaml-not-a-mapping', fixture: 'yaml-not-a-mapping', expect: { id: 'invalid-value', file: broken, line: 1, col: 1, message: /mapping/ } },
  // parser limits: a bug-free refusal at the position, never a stack overflow or out of memory
  { name: 'yaml-alias-bomb', fixture: 'yaml-alias-bomb', expect: { id: 'recipe-limit', file: other, line: 10, col: 10, message: /aliases expand to too many nodes/ } },
  { name: 'yaml-nesting-bomb', fixture: 'yaml-nesting-bomb', expect: { id: 'recipe-limit', file: other, line: 8, col: 71, message: /nests more than 64 levels/ } },
  { name: 'vars-expansion-bomb', fixture: 'vars-expansion-bomb', expect: { id: 'recipe-limit', file: other, line: 13, col: 7, message: /vars\.v4 expands to more than 65536 characters/ } },
  // unknown keys
  { name: 'unknown-key-top', fixture: 'unknown-key-top', expect: { id: 'unknown-key', file: other, line: 7, col: 1, message: /"homepage"/ } },
  { name: 'unknown-key-source', fixture: 'unknown-key-source', expect: { id: 'unknown-key', file: other, line: 10, col: 5, message: /"mirror"/ } },
  { name: 'unknown-key-extract', fixture: 'unknown-key-extract', expect: { id: 'unknown-key', file: other, line: 10, col: 47, message: /"stripp"/ } },
  // wrong types and values
  { name: 'wrong-type-version', fixture: 'wrong-type-version', expect: { id: 'invalid-value', file: other, line: 2, col: 10, message: /version/ } },
  { name: 'wrong-type-tags', fixture: 'wrong-type-tags', expect: { id: 'invalid-value', file: other, line: 7, col: 7, message: /tags/ } },
  { name: 'wrong-type-strip', fixture: 'wrong-type-strip', expect: { id: 'invalid-value', file: other, line: 10, col: 23, message: /strip/ } },
  { name: 'wrong-type-depends', fixture: 'wrong-type-depends', expect: { id: 'invalid-value', file: other, line: 7, col: 10, message: /depends/ } },
  { name: 'bad-hash-format', fixture: 'bad-hash-format', expect: { id: 'invalid-value', file: other, line: 9, col: 13, message: /sha256/ } },
  { name: 'bad-mode', fixture: 'bad-mode', expect: { id: 'invalid-value', file: other, line: 10, col: 56, message: /octal/ } },
  { name: 'mode-unquoted', fixture: 'mode-unquoted', expect: { id: 'invalid-value', file: other, line: 10, col: 56, message: /install\.mode: .*string/ } },
  { name: 'version-unquoted-number', fixture: 'version-unquoted-number', expect: { id: 'invalid-value', file: other, line: 2, col: 10, message: /version: .*string/ } },
  { name: 'arch-go-name', fixture: 'arch-go-name', expect: { id: 'invalid-value', file: other, line: 10, col: 12, message: /"amd64" is not a TinyCore arch; did you mean x86_64\?/ } },
  { name: 'extract-and-install', fixture: 'extract-and-install', expect: { id: 'invalid-value', file: other, line: 8, col: 5, message: /both extract: and install:/ } },
  // missing things and names
  { name: 'missing-name', fixture: 'missing-name', expect: { id: 'missing-key', file: other, line: 1, col: 1, message: /"name"/ } },
  { name: 'missing-hash', fixture: 'missing-hash', expect: { id: 'missing-key', file: other, line: 8, col: 5, message: /"sha256"/ } },
  { name: 'unpinned-hash', fixture: 'unpinned-hash', expect: { id: 'source-hash-missing', file: other, line: 9, col: 13, message: /no pinned sha256/ } },
  { name: 'missing-extract', fixture: 'missing-extract', expect: { id: 'missing-key', file: other, line: 8, col: 5, message: /extract:.*install:/ } },
  { name: 'name-mismatch', fixture: 'name-mismatch', expect: { id: 'name-mismatch', file: other, line: 1, col: 7, message: /"another"/ } },
  { name: 'duplicate-name', fixture: 'duplicate-name', expect: { id: 'duplicate-name', file: 'recipes/dup.yml', line: 1, col: 7, message: /dup is also declared in recipes\/dup\.yaml/ } },
  // variables
  { name: 'undefined-variable-url', fixture: 'undefined-variable-url', expect: { id: 'undefined-variable', file: other, line: 8, col: 10, message: /\$\{verison\}/ } },
  { name: 'undefined-variable-vars', fixture: 'undefined-variable-vars', expect: { id: 'undefined-variable', file: other, line: 8, col: 9, message: /\$\{flavour\}/ } },
  // two things at one path, paths that leave the image
  { name: 'duplicate-target-install', fixture: 'duplicate-target-install', expect: { id: 'duplicate-target', file: other, line: 11, col: 5, message: /usr\/local\/share\/other\.tgz/ } },
  { name: 'duplicate-target-symlink', fixture: 'duplicate-target-symlink', expect: { id: 'duplicate-target', file: other, line: 12, col: 5, message: /usr\/local\/share\/other\.tgz/ } },
  { name: 'duplicate-target-archives', fixture: 'duplicate-target-archives', expect: { id: 'duplicate-target', file: other, line: 11, col: 5, message: /usr\/local\/bin\/tool/ } },
  { name: 'duplicate-target-overlay', fixture: 'duplicate-target-overlay', expect: { id: 'duplicate-target', file: other, line: 12, col: 5, message: /usr\/local\/bin\/tool.*overlay other/ } },
  { name: 'bad-path-install', fixture: 'bad-path-install', expect: { id: 'bad-path', file: other, line: 10, col: 20, message: /install\.to/ } },
  { name: 'bad-path-absolute-into', fixture: 'bad-path-absolute-into', expect: { id: 'bad-path', file: other, line: 10, col: 32, message: /extract\.into: .*absolute/ } },
  { name: 'bad-path-symlink-climb', fixture: 'bad-path-symlink-climb', expect: { id: 'bad-path', file: other, line: 12, col: 5, message: /climbs above the image root/ } },
  { name: 'overlay-missing', fixture: 'overlay-missing', expect: { id: 'overlay-missing', file: other, line: 11, col: 19, message: /nowhere/ } },
  { name: 'runtime-written-path', fixture: 'runtime-written-path', expect: { id: 'runtime-written-path', file: other, line: 12, col: 5, message: /var\/lib\/other/ } },
  { name: 'file-override-unmatched', fixture: 'file-override-unmatched', expect: { id: 'file-override-unmatched', file: other, line: 12, col: 5, message: /othre/ } },
  // the dependency graph
  { name: 'dependency-cycle', fixture: 'dependency-cycle', expect: { id: 'dependency-cycle', file: 'recipes/cyc-c.yaml', line: 7, col: 11, message: /cyc-a -> cyc-b -> cyc-c -> cyc-a/ } },
  { name: 'dependency-self', fixture: 'dependency-self', expect: { id: 'dependency-cycle', file: 'recipes/selfish.yaml', line: 7, col: 11, message: /selfish -> selfish/ } },
  // fetching
  { name: 'wrong-hash', fixture: 'wrong-hash', expect: { id: 'checksum-mismatch', file: other, line: 9, col: 13, message: /expected: [0-9a-f]{64}\n\s+got: +[0-9a-f]{64}/ } },
  network('http-404', () => ({ status: 404, body: 'gone' }), 1, /HTTP 404/),
  network('http-500', () => ({ status: 500, body: 'oops' }), 3, /HTTP 500.*after 3 attempts/),
  network('truncated-body', (body) => ({ truncateAt: Math.floor(body.length / 2), body }), 3, /cut off after \d+ of \d+ bytes.*after 3 attempts/),
  network('stalled-body', (body) => ({ stallAfter: 10, body }), 3, /stalled.*after 3 attempts/),
  network('trickling-body', (body) => ({ trickleEveryMs: 50, body }), 3, /too slow: \d+ bytes in the last 0\.4 s \(\d+ B\/s, after \d+ of \d+ bytes\), below the minimum of 1000 B\/s.*after 3 attempts/),
  network('connection-reset', () => ({ reset: true }), 3, /reset|closed|hang up.*after 3 attempts/),
  // archives: tar-slip in all its forms, links out, devices, lies about size, not a tar at all
  archive('tar-slip-dotdot', 'slip-dotdot.tar.gz', 'archive-unsafe-entry', /contains "\.\."/),
  archive('tar-slip-dotdot-large-entry', 'slip-dotdot-big.tar.gz', 'archive-unsafe-entry', /contains "\.\."/),
  archive('tar-slip-absolute', 'slip-absolute.tar.gz', 'archive-unsafe-entry', /absolute path/),
  archive('tar-slip-symlink-write-through', 'slip-symlink-write.tar.gz', 'archive-unsafe-entry', /through the symlink/),
  archive('tar-slip-symlink-relative-write-through', 'slip-symlink-relative-write.tar.gz', 'archive-unsafe-entry', /through the symlink/),
  archive('tar-slip-symlink-climbs-out', 'slip-symlink-climb.tar.gz', 'archive-unsafe-entry', /points outside the image/),
  archive('hardlink-dotdot', 'hardlink-dotdot.tar.gz', 'archive-unsafe-entry', /hard link .*outside|"\.\."/),
  archive('hardlink-absolute', 'hardlink-absolute.tar.gz', 'archive-unsafe-entry', /hard link .*outside|absolute/),
  archive('hardlink-to-later-entry', 'hardlink-forward.tar.gz', 'archive-unsafe-entry', /does not name a file unpacked earlier/),
  archive('device-char', 'device-char.tar.gz', 'archive-unsupported-entry', /character-device/),
  archive('device-block', 'device-block.tar.gz', 'archive-unsupported-entry', /block-device/),
  archive('fifo', 'fifo.tar.gz', 'archive-unsupported-entry', /fifo/),
  archive('huge-declared-size', 'huge-size.tar.gz', 'archive-unsupported-entry', /5368709120 bytes/),
  archive('not-a-tar', 'not-a-tar.tar.gz', 'archive-corrupt', /cannot read the tar\.gz archive/),
  archive('cut-gzip', 'cut-gzip.tar.gz', 'archive-corrupt', /cannot read the tar\.gz archive/),
  archive('cut-xz', 'cut-xz.tar.xz', 'archive-corrupt', /cannot read the tar\.xz archive: xz could not decompress it/),
  archive('unsupported-compression', 'lzip.tar.lz', 'archive-unsupported-format', /is a lzip archive; tczbuild unpacks tar, tar\.gz, tar\.xz/),
  archive('empty-archive-file', 'empty.tar.gz', 'archive-empty', /the archive is 0 bytes/),
  archive('archive-without-entries', 'no-entries.tar.gz', 'archive-empty', /the tar\.gz archive contains no entries/),
  archive('non-utf8-name', 'non-utf8-name.tar.gz', 'archive-bad-name', /"evil-1\.0\/caf\\xe9" is not valid UTF-8/),
  archive('name-too-long', 'long-name.tar.gz', 'archive-name-too-long', /"evil-1\.0\/n{300}" is a longer name than .*ENAMETOOLONG/),
  { name: 'unpack-too-large-source', fixture: 'unpack-too-large-source', expect: { id: 'unpack-too-large', file: other, line: 8, col: 5, message: /source zeros\.tar\.gz: "zeros\/c" \(524288 bytes\) would bring the unpacked total to 1572864 bytes, over the limit of 1048576 bytes/ } },
  { name: 'unpack-too-large-extension', fixture: 'unpack-too-large-extension', expect: { id: 'unpack-too-large', file: other, line: 7, col: 20, message: /other\.tcz: "zeros\/b" \(524288 bytes\) would bring the unpacked total to 1048576 bytes, over the limit of 1024000 bytes \(524288 unpacked so far\)/ } },
  { name: 'extension-empty', fixture: 'extension-empty', expect: { id: 'extension-empty', file: other, line: 1, col: 1, message: /other\.tcz would contain no files/ } },
  // the machine
  { name: 'mksquashfs-missing', fixture: 'valid-other', environment: 'no-mksquashfs', expect: { id: 'tool-missing', message: /mksquashfs was not found on PATH/ } },
  { name: 'mksquashfs-fails', fixture: 'valid-other', environment: 'failing-mksquashfs', expect: { id: 'tool-failed', message: /mksquashfs .*failed/ } },
  { name: 'out-parent-immutable', fixture: 'valid-other', environment: 'immutable-parent', expect: { id: 'out-unwritable', file: 'OUT', message: /out\.lock/ } },
  { name: 'out-immutable', fixture: 'valid-other', environment: 'immutable-out', expect: { id: 'out-unwritable', file: 'OUT', message: /could not publish into/ } },
  { name: 'out-locked-by-live-process', fixture: 'valid-other', environment: 'locked', expect: { id: 'out-locked', file: 'OUT', message: /being published by tczbuild process \d+/ } },
];
