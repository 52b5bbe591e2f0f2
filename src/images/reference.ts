/**
 * Image references: `docker.io/openfaas/gateway:0.18.18` → registry, repository and tag, with
 * the same normalisation containerd applies (no host means docker.io, a single Docker Hub
 * path segment means `library/`, no tag means `latest`), and the base URL of the registry's
 * API. Pure: it never resolves names or touches the network.
 */

export interface ImageReference {
  /** Registry host as written (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** Repository path inside the registry (`openfaas/gateway`, `library/nats-streaming`). */
  readonly repository: string;
  readonly tag: string;
  /** `registry/repository:tag`: the name `ctr image ls` shows after import. */
  readonly full: string;
}

export type ReferenceParse = { ok: true; ref: ImageReference } | { ok: false; reason: string };

const dockerHub = 'docker.io';
const component = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;

export function parseReference(text: string): ReferenceParse {
  if (text.includes('@')) return { ok: false, reason: `"${text}" carries a digest; write the tag in ref: and the digest in digest:` };
  const slash = text.lastIndexOf('/');
  const colon = text.lastIndexOf(':');
  const name = colon > slash ? text.slice(0, colon) : text;
  const tag = colon > slash ? text.slice(colon + 1) : 'latest';
  if (!tagPattern.test(tag)) return { ok: false, reason: `"${tag}" is not a valid tag` };
  const parts = name.split('/');
  const first = parts[0] ?? '';
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasHost ? first : dockerHub;
  if (registry === 'index.docker.io') registry = dockerHub;
  const path = hasHost ? parts.slice(1) : parts;
  if (registry === dockerHub && path.length === 1) path.unshift('library');
  const bad = path.find((p) => !component.test(p));
  if (path.length === 0 || bad !== undefined) return { ok: false, reason: `"${text}" has an invalid repository path component "${bad ?? ''}"` };
  const repository = path.join('/');
  return { ok: true, ref: { registry, repository, tag, full: `${registry}/${repository}:${tag}` } };
}

/**
 * Base URL of a registry's API (without `/v2`). A mirror entry for the host wins (tests point
 * `docker.io` at a local registry); loopback hosts speak plain http, everything else https.
 */
export function registryBaseUrl(registry: string, mirrors: Readonly<Record<string, string>> = {}): string {
  const mirror = mirrors[registry];
  if (mirror !== undefined) return mirror.replace(/\/+$/, '');
  if (registry === dockerHub) return 'https://registry-1.docker.io';
  const host = registry.replace(/:\d+$/, '');
  const loopback = host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return `${loopback ? 'http' : 'https'}://${registry}`;
}
