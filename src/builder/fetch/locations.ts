/**
 * Where a source may be found, in the order to try: each `--source-mirror` (by content hash
 * `sha256/<hex>`, then by the URL's basename), then upstream. A mirror is a base URL or a local
 * directory. Pure: it builds the list, it does not look at the network or the disk.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitUserinfo, type Credentials } from '../../util/credentials.js';
import { FetchFailure } from '../../util/http/failure.js';

/** A URL location carries its credentials apart from the URL, which is safe to print. */
export type Location = { readonly kind: 'url'; readonly url: string; readonly credentials?: Credentials } | { readonly kind: 'path'; readonly path: string };

export interface Candidate {
  readonly where: Location;
  readonly upstream: boolean;
}

const httpPattern = /^https?:\/\//i;

/** Parse a source URL or mirror entry: http(s) URLs stay URLs, file URLs and bare paths are paths. */
export function locationOf(urlOrPath: string): Location {
  if (httpPattern.test(urlOrPath)) {
    const { url, credentials } = splitUserinfo(urlOrPath);
    return { kind: 'url', url, ...(credentials ? { credentials } : {}) };
  }
  if (/^file:/i.test(urlOrPath)) return { kind: 'path', path: fileURLToPath(urlOrPath) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(urlOrPath)) {
    throw new FetchFailure(`unsupported URL scheme in ${urlOrPath} (use http, https or file)`, { retryable: false });
  }
  return { kind: 'path', path: urlOrPath };
}

export function describeLocation(where: Location): string {
  return where.kind === 'url' ? where.url : where.path;
}

/** The last path segment of a URL, decoded; undefined when the URL ends in a slash. */
export function urlBasename(url: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    pathname = url;
  }
  const last = pathname.split('/').pop();
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function inMirror(mirror: Location, relative: readonly string[]): Location {
  if (mirror.kind === 'path') return { kind: 'path', path: join(mirror.path, ...relative) };
  const base = mirror.url.replace(/\/+$/, '');
  return { ...mirror, url: `${base}/${relative.map(encodeURIComponent).join('/')}` };
}

export function candidatesFor(url: string, sha256: string | null, mirrors: readonly string[], credentials?: Credentials): Candidate[] {
  const name = urlBasename(url);
  const out: Candidate[] = [];
  for (const entry of mirrors) {
    const mirror = locationOf(entry);
    if (sha256 !== null) out.push({ where: inMirror(mirror, ['sha256', sha256]), upstream: false });
    if (name !== undefined) out.push({ where: inMirror(mirror, [name]), upstream: false });
  }
  const upstream = locationOf(url);
  out.push({ where: upstream.kind === 'url' && credentials ? { ...upstream, credentials } : upstream, upstream: true });
  return out;
}
