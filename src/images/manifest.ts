/**
 * Parse what a registry serves for a manifest (an OCI index / Docker manifest list, or an
 * OCI / Docker image manifest) into descriptors, and pick the manifest for a platform out of
 * an index. Pure: bytes in, data or a diagnostic out; it never fetches.
 */
import { diag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { dockerManifest, dockerManifestList, indexTypes, manifestTypes, ociIndex, ociManifest } from './media-types.js';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: Platform;
}

export type ParsedManifest =
  | { readonly kind: 'index'; readonly mediaType: string; readonly manifests: readonly Descriptor[] }
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly config: Descriptor; readonly layers: readonly Descriptor[] };

export type ManifestParse = { ok: true; manifest: ParsedManifest } | { ok: false; diagnostic: Diagnostic };

const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** `what` names the object in messages (e.g. `docker.io/openfaas/gateway:0.18.18@sha256:…`). */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, what: string): ManifestParse {
  const bad = (why: string): ManifestParse => ({ ok: false, diagnostic: diag('image-manifest-invalid', undefined, `${what}: ${why}`) });
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return bad('the manifest is not JSON');
  }
  if (!isObject(doc)) return bad('the manifest is not a JSON object');
  if (doc.schemaVersion !== 2) return bad(`schemaVersion ${String(doc.schemaVersion)} is not supported (only 2)`);
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : inferMediaType(doc, contentType);
  if (mediaType === undefined) return bad(`unknown media type ${contentType ?? '(none)'}`);
  try {
    if (indexTypes.includes(mediaType)) {
      return { ok: true, manifest: { kind: 'index', mediaType, manifests: descriptors(doc.manifests, 'manifests') } };
    }
    if (manifestTypes.includes(mediaType)) {
      return { ok: true, manifest: { kind: 'manifest', mediaType, config: descriptor(doc.config, 'config'), layers: descriptors(doc.layers, 'layers') } };
    }
  } catch (error) {
    return bad((error as Error).message);
  }
  return bad(`media type ${mediaType} is not an image index or image manifest`);
}

/** OCI allows omitting mediaType in the body; fall back to the header, then to the shape. */
function inferMediaType(doc: Record<string, unknown>, contentType: string | undefined): string | undefined {
  const header = contentType?.split(';')[0]?.trim();
  if (header && [...indexTypes, ...manifestTypes].includes(header)) return header;
  if (Array.isArray(doc.manifests)) return ociIndex;
  if (isObject(doc.config)) return ociManifest;
  return undefined;
}

function descriptors(value: unknown, field: string): Descriptor[] {
  if (!Array.isArray(value)) throw new Error(`${field} is not a list`);
  return value.map((v, i) => descriptor(v, `${field}[${i}]`));
}

function descriptor(value: unknown, field: string): Descriptor {
  if (!isObject(value)) throw new Error(`${field} is not an object`);
  const { mediaType, digest, size, platform } = value;
  if (typeof mediaType !== 'string') throw new Error(`${field}.mediaType is missing`);
  if (typeof digest !== 'string' || !digestPattern.test(digest)) throw new Error(`${field}.digest ${JSON.stringify(digest)} is not sha256:<64 hex>`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new Error(`${field}.size is not a byte count`);
  const p = isObject(platform) && typeof platform.os === 'string' && typeof platform.architecture === 'string' ? platform : undefined;
  return {
    mediaType,
    digest,
    size,
    ...(p ? { platform: { os: p.os as string, architecture: p.architecture as string, ...(typeof p.variant === 'string' ? { variant: p.variant } : {}) } } : {}),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `linux/arm64/v8` → { os, architecture, variant }. */
export function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}

/**
 * The manifest in an index for `want`. Os and architecture must be equal; a variant asked for
 * must be equal too, and without one an entry with no variant is preferred (arm64 images often
 * say v8). Image manifests only: attestation entries (`unknown/unknown`) never match.
 */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform): Descriptor | undefined {
  const candidates = manifests.filter(
    (m) =>
      manifestTypes.includes(m.mediaType) &&
      m.platform?.os === want.os &&
      m.platform.architecture === want.architecture &&
      (want.variant === undefined || m.platform.variant === want.variant),
  );
  return candidates.find((m) => m.platform?.variant === undefined) ?? candidates[0];
}

export const mediaTypes = { ociIndex, ociManifest, dockerManifestList, dockerManifest };

/** The platform a TinyCore arch directory runs containers as (what `ctr` on that box pulls). */
export function platformForArch(arch: string): Platform {
  const table: Readonly<Record<string, Platform>> = {
    x86_64: { os: 'linux', architecture: 'amd64' },
    x86: { os: 'linux', architecture: '386' },
    aarch64: { os: 'linux', architecture: 'arm64' },
    armv7: { os: 'linux', architecture: 'arm', variant: 'v7' },
    armv6: { os: 'linux', architecture: 'arm', variant: 'v6' },
  };
  return table[arch] ?? { os: 'linux', architecture: arch };
}
