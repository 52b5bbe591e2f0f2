/**
 * The fetch layer's diagnostics: what a user reads when a source is unpinned, missing in
 * --offline mode, fails to download or does not match its hash. Each names the recipe position,
 * the URL and every location tried, and says what to do next. Pure.
 */
import { diag, type Diagnostic, type Position } from '../../diagnostics/diagnostic.js';
import type { SourceSpec } from '../../recipe/model.js';

/** The parts of a source the messages need (fetchAndHash has a URL but no recipe entry). */
export type SourceRef = Pick<SourceSpec, 'url' | 'credentials' | 'sha256' | 'at' | 'hashAt'>;

export interface Attempt {
  /** The URL or path tried. */
  readonly where: string;
  readonly upstream: boolean;
  readonly outcome: string;
  readonly notFound: boolean;
  readonly mismatch?: { readonly got: string; readonly size: number };
}

function positionOf(at: Position): string {
  if (at.file === undefined) return 'the recipe';
  return at.line === undefined ? at.file : `${at.file}:${at.line}`;
}

export function hashMissing(spec: SourceSpec): Diagnostic {
  const at = spec.hashAt.file !== undefined ? spec.hashAt : spec.at;
  return diag(
    'source-hash-missing',
    at,
    `source ${spec.url} has no sha256 (${positionOf(at)} says unpinned), so tczbuild will not use it`,
    `on a machine with internet access run \`tczbuild pin\` to download it and write its sha256 into ${at.file ?? 'the recipe'}`,
  );
}

export function offlineMissing(spec: SourceSpec & { sha256: string }): Diagnostic {
  return diag(
    'fetch-offline-missing',
    spec.at,
    `not in the source cache (--offline): ${spec.url} sha256 ${spec.sha256}`,
    'run `tczbuild fetch` on a connected machine and copy the cache over, or pass --source-mirror DIR holding the file by name or as sha256/<hex>',
  );
}

/** The sha256 names bytes this cache fetched for other URLs only: most likely a version bump that kept the old hash. */
export function hashStale(spec: SourceSpec & { sha256: string }, fetchedFor: readonly string[]): Diagnostic {
  const at = spec.hashAt.file !== undefined ? spec.hashAt : spec.at;
  return diag(
    'source-hash-stale',
    at,
    `sha256 ${spec.sha256} names the bytes downloaded from ${fetchedFor.join(', ')}, but the recipe now downloads ${spec.url}: the url changed and the sha256 did not, so building would publish the old file under the new name`,
    `if the new URL is what you want, run \`tczbuild pin --force ${recipeName(at)}\` to download it and write its sha256 at ${positionOf(at)} (or set sha256: by hand); if the old file is right, put its URL back`,
  );
}

function recipeName(at: Position): string {
  return at.file === undefined ? 'NAME' : (at.file.split('/').pop() ?? at.file).replace(/\.ya?ml$/, '');
}

function attemptLines(attempts: readonly Attempt[]): string {
  return attempts.map((a) => `\n  ${a.upstream ? 'upstream' : 'mirror'} ${a.where}: ${a.outcome}`).join('');
}

/** The upstream attempt decides the id: its mismatch is a checksum error, anything else a fetch failure. */
export function fetchFailed(spec: SourceRef, attempts: readonly Attempt[]): Diagnostic {
  const upstream = attempts.find((a) => a.upstream);
  if (upstream?.mismatch && spec.sha256 !== null) return checksumMismatch(spec, upstream.mismatch, attempts);
  const why = upstream?.outcome ?? 'every location failed';
  const others = attempts.length > 1 ? `\ntried, in order:${attemptLines(attempts)}` : '';
  return diag(
    'fetch-failed',
    spec.at,
    `could not download ${spec.url}: ${why}${others}`,
    upstream?.notFound
      ? 'check the URL and the version in the recipe, or put the file in a --source-mirror'
      : 'check the network or the server, then run the build again; a --source-mirror can stand in for upstream',
  );
}

export function checksumMismatch(spec: SourceRef, got: { readonly got: string; readonly size: number }, attempts: readonly Attempt[]): Diagnostic {
  const at = spec.hashAt.file !== undefined ? spec.hashAt : spec.at;
  const others = attempts.length > 1 ? `\ntried, in order:${attemptLines(attempts)}` : '';
  return diag(
    'checksum-mismatch',
    at,
    `sha256 mismatch for ${spec.url}\n  expected: ${spec.sha256 ?? '(none)'}\n  got:      ${got.got} (${got.size} bytes; the file was not kept)${others}`,
    mismatchHint(spec.url, got.got, at),
  );
}

/** Forge-generated /archive/ tarballs are re-compressed on the server and change bytes without a release. */
function mismatchHint(url: string, got: string, at: Position): string {
  const forge = /\/archive\//.test(url)
    ? 'this is a forge-generated /archive/ tarball: such archives can change bytes without a new release, prefer a release asset. '
    : '';
  return (
    `${forge}Causes: upstream replaced the file, the download was cut short, a proxy served something else, or it was tampered with. ` +
    `If you have verified the new file, set \`sha256: ${got}\` at ${positionOf(at)} (or run \`tczbuild pin --force\`).`
  );
}
