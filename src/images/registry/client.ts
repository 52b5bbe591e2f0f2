/**
 * RegistryClient: the OCI distribution API as far as pulling needs it: GET a manifest by tag
 * or digest, GET a blob by digest, with anonymous bearer-token auth (401 + challenge → token
 * → retry, tokens kept per repository). It returns bytes and streams; checking them against
 * digests is the caller's job (src/images/pull.ts), and it never writes to disk.
 */
import { createHash } from 'node:crypto';
import { fail } from '../../diagnostics/errors.js';
import { manifestAccept } from '../media-types.js';
import { splitUserinfo, type Credentials } from '../../util/credentials.js';
import { registryBaseUrl, type ImageReference } from '../reference.js';
import { parseBearerChallenge, tokenFromBody, tokenUrl } from './challenge.js';
import { defaultTimeouts, httpGet, RegistryFailure, type HttpResponse, type HttpTimeouts } from './http.js';
import type { NetworkSettings } from '../../util/network-settings.js';

export interface RegistryClientOptions {
  /** Registry host → base URL (`docker.io` → `http://127.0.0.1:5000`), tried instead of the host. */
  readonly mirrors?: Readonly<Record<string, string>>;
  readonly timeouts?: HttpTimeouts;
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
}

export interface FetchedManifest {
  readonly bytes: Buffer;
  /** sha256 of the bytes as served: the manifest's true digest. */
  readonly digest: string;
  readonly contentType?: string;
}

export interface BlobStream {
  readonly body: AsyncIterable<Uint8Array>;
  readonly size?: number;
}

const manifestLimit = 4 * 1024 * 1024;
const userAgent = 'tczbuild';

export class RegistryClient {
  private readonly mirrors: Readonly<Record<string, string>>;
  private readonly timeouts: HttpTimeouts;
  private readonly network: NetworkSettings;
  private readonly tokens = new Map<string, string>();

  /** Basic credentials of a mirror whose URL carried `user:password@`, by registry host. */
  private readonly mirrorCredentials = new Map<string, Credentials>();

  constructor(options: RegistryClientOptions) {
    // a mirror's user:password leaves its URL here: the URL is what requests and messages use,
    // the credentials go only into an Authorization header to that mirror's own host
    const mirrors: Record<string, string> = {};
    for (const [host, url] of Object.entries(options.mirrors ?? {})) {
      const split = splitUserinfo(url);
      mirrors[host] = split.url;
      if (split.credentials) this.mirrorCredentials.set(host, split.credentials);
    }
    this.mirrors = mirrors;
    this.timeouts = options.timeouts ?? defaultTimeouts;
    this.network = options.network;
  }

  /** `reference` is a tag or a `sha256:` digest. */
  async manifest(ref: ImageReference, reference: string): Promise<FetchedManifest> {
    const what = `${ref.registry}/${ref.repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const res = await this.get(ref, `manifests/${reference}`, { accept: manifestAccept }, what);
    const bytes = await res.bytes(manifestLimit);
    const contentType = res.headers.get('content-type') ?? undefined;
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    return { bytes, digest, ...(contentType ? { contentType } : {}) };
  }

  async blob(ref: ImageReference, digest: string): Promise<BlobStream> {
    const res = await this.get(ref, `blobs/${digest}`, {}, `${ref.registry}/${ref.repository}@${digest}`);
    const length = Number(res.headers.get('content-length') ?? NaN);
    return { body: res.body, ...(Number.isSafeInteger(length) ? { size: length } : {}) };
  }

  private async get(ref: ImageReference, path: string, headers: Record<string, string>, what: string): Promise<HttpResponse> {
    const url = `${registryBaseUrl(ref.registry, this.mirrors)}/v2/${ref.repository}/${path}`;
    const key = `${ref.registry}/${ref.repository}`;
    const basic = this.basicFor(ref.registry, url);
    const send = (token: string | undefined): Promise<HttpResponse> =>
      httpGet(url, { 'user-agent': userAgent, ...headers, ...(token ? { authorization: `Bearer ${token}` } : basic ? { authorization: basic } : {}) }, this.timeouts, this.network, what);
    let res = await send(this.tokens.get(key));
    if (res.status === 401) {
      const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
      await res.discard();
      if (!challenge && basic) fail('registry-auth-failed', undefined, `${what}: ${url} refused the user name and password its --registry-mirror URL carries (401)`);
      if (!challenge) fail('registry-auth-failed', undefined, `${what}: ${url} answered 401 without a Bearer token challenge`);
      const realm = tokenUrl(challenge, ref.repository);
      const token = await this.fetchToken(realm, what, this.basicFor(ref.registry, realm));
      this.tokens.set(key, token);
      res = await send(token);
      if (res.status === 401) {
        await res.discard();
        fail('registry-auth-failed', undefined, `${what}: ${url} refused the token it handed out (401)`);
      }
    }
    if (res.status !== 200) {
      const detail = await errorDetail(res);
      if (res.status === 404) fail('image-not-found', undefined, `${what}: the registry does not have it (GET ${url} answered 404${detail})`);
      const limited = res.status === 429 ? ' (rate limited: anonymous pulls are capped per address; wait, or use --registry-mirror)' : '';
      throw new RegistryFailure(`${what}: GET ${url} answered ${res.status}${detail}${limited}`, res.status >= 500 || res.status === 408);
    }
    return res;
  }

  /**
   * `Basic …` for a request to `url` when the registry's mirror carried credentials and `url` is
   * on that mirror's own host (its token service included); never for another host.
   */
  private basicFor(registry: string, url: string): string | undefined {
    const credentials = this.mirrorCredentials.get(registry);
    const mirror = this.mirrors[registry];
    if (!credentials || mirror === undefined || new URL(url).host !== new URL(mirror).host) return undefined;
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  private async fetchToken(url: string, what: string, basic: string | undefined): Promise<string> {
    const res = await httpGet(url, { 'user-agent': userAgent, accept: 'application/json', ...(basic ? { authorization: basic } : {}) }, this.timeouts, this.network, what);
    if (res.status !== 200) {
      const detail = await errorDetail(res);
      fail('registry-auth-failed', undefined, `${what}: the token service ${url} answered ${res.status}${detail}`);
    }
    let body: unknown;
    try {
      body = JSON.parse((await res.bytes(1024 * 1024)).toString('utf8'));
    } catch (error) {
      fail('registry-auth-failed', undefined, `${what}: the token service ${url} did not answer JSON`, undefined, error);
    }
    const token = tokenFromBody(body);
    if (!token) fail('registry-auth-failed', undefined, `${what}: the token service ${url} answered without a token`);
    return token;
  }
}

/** The registry's error code and message, if it sent the standard `{"errors":[…]}` body. */
async function errorDetail(res: HttpResponse): Promise<string> {
  try {
    const text = (await res.bytes(64 * 1024)).toString('utf8');
    const errors = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> }).errors ?? [];
    const first = errors[0];
    return first ? ` (${[first.code, first.message].filter(Boolean).join(': ')})` : '';
  } catch {
    return '';
  }
}
