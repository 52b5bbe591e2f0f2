/**
 * Registry token auth, the pure half: parse a `WWW-Authenticate: Bearer realm=…,service=…,
 * scope=…` challenge (as Docker Hub and GHCR send on a 401) and build the token URL for
 * anonymous pull access. It never sends a request.
 */

export interface BearerChallenge {
  readonly realm: string;
  readonly service?: string;
  readonly scope?: string;
}

/** undefined when the header is not a Bearer challenge with a realm (Basic, missing, garbled). */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!m) return undefined;
  const params = new Map<string, string>();
  // key="value" or key=token, separated by commas; quoted values may hold commas (scopes do).
  const pair = /([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = pair.exec(m[1] ?? ''); p !== null; p = pair.exec(m[1] ?? '')) {
    params.set((p[1] ?? '').toLowerCase(), p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? ''));
  }
  const realm = params.get('realm');
  if (!realm) return undefined;
  const service = params.get('service');
  const scope = params.get('scope');
  return { realm, ...(service ? { service } : {}), ...(scope ? { scope } : {}) };
}

/** Token URL for pulling `repository`; the challenge's own scope wins when it names one. */
export function tokenUrl(challenge: BearerChallenge, repository: string): string {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', challenge.scope ?? `repository:${repository}:pull`);
  return url.toString();
}

/** The token from a token endpoint's JSON body (`token`, or OAuth-style `access_token`). */
export function tokenFromBody(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { token, access_token: accessToken } = body as Record<string, unknown>;
  if (typeof token === 'string' && token !== '') return token;
  if (typeof accessToken === 'string' && accessToken !== '') return accessToken;
  return undefined;
}
