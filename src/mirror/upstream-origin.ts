/**
 * What every `--upstream` transfer (serve's fall-through, test's box mirror, the index merge of
 * `all` and `index`) needs to know about the upstream mirror before it sends a byte: its base URL
 * without credentials (for requests, cache keys and every message), the credentials split off it
 * (sent only as an Authorization header to the upstream's own origin, netrc for other hosts),
 * and the redirect policy: a few hops, within the upstream's origin (or up to https on its host),
 * or to a host the operator allowed; never from https down to http, and never to a loopback,
 * link-local or private address unless the upstream itself is one (a LAN client must not read
 * an internal service, 169.254.169.254 included, through our mirror). The same rule holds for
 * host names: `addresses` is checked against every address a name resolves to when a connection
 * opens (the upstream's own name included), so a name that resolves, or later re-resolves, to an
 * internal address is refused unless the upstream was itself named by an internal address.
 * Pure apart from netrc and a memo of the address guards (one per upstream).
 */
import { isIP, type LookupFunction } from 'node:net';
import { netrcLookup, originScopedAuth, splitUserinfo, type Credentials } from '../util/credentials.js';
import type { AddressGuard } from '../util/http/dispatcher.js';
import type { RedirectPolicy } from '../util/http/request.js';
import type { NetworkSettings } from '../util/network-settings.js';

export interface UpstreamOrigin {
  /** The base URL without userinfo and trailing slash: what requests, cache keys and messages use. */
  readonly base: string;
  /** Credentials for each URL a transfer visits (the upstream's own only to its origin). */
  readonly auth: (url: URL) => Credentials | undefined;
  readonly redirects: RedirectPolicy;
  /** The addresses a connection may go to once a name is resolved. */
  readonly addresses: AddressGuard;
  /** The run's proxies and private CA. */
  readonly network: NetworkSettings;
}

export interface UpstreamOriginOptions {
  /** The run's proxies and private CA, for every request to this upstream, and its environment for netrc ($NETRC, $HOME). */
  readonly network: NetworkSettings;
  /** Hosts a redirect may lead to besides the upstream's own (a mirror network's CDN). */
  readonly allowHosts?: readonly string[];
  /** Redirects followed before giving up. */
  readonly maxRedirects?: number;
  /** The resolver for host names (node's dns.lookup unless a test maps names itself). */
  readonly lookup?: LookupFunction;
}

export function upstreamOrigin(upstream: string, o: UpstreamOriginOptions): UpstreamOrigin {
  const { url, credentials } = splitUserinfo(upstream);
  const base = url.replace(/\/+$/, '');
  const home = new URL(base);
  const allowed = new Set((o.allowHosts ?? []).map((h) => h.toLowerCase()));
  const homeIsInternal = isInternalHost(home.hostname);
  return {
    base,
    network: o.network,
    auth: originScopedAuth(base, credentials, netrcLookup(o.network.env)),
    redirects: {
      max: o.maxRedirects ?? 3,
      refuse: (from, to) => {
        if (from.protocol === 'https:' && to.protocol === 'http:') return 'it leads from https down to plain http';
        const upgrade = to.protocol === 'https:' && to.hostname === home.hostname && to.port === '';
        if (to.origin === home.origin || upgrade) return undefined;
        if (!allowed.has(to.host.toLowerCase()) && !allowed.has(to.hostname.toLowerCase())) {
          return `it leaves the upstream mirror ${home.origin}; if ${to.host} is a mirror you trust, allow it with --upstream-allow-host ${to.host}`;
        }
        if (isInternalHost(to.hostname) && !homeIsInternal) return `${to.hostname} is a loopback, link-local or private address, and the upstream is not`;
        return undefined;
      },
    },
    addresses: addressGuard(home, o.lookup),
  };
}

/**
 * One guard per upstream (and resolver), made once: the guarded pool is kept per guard object
 * (dispatcher.ts), so a caller that asks for the origin again on every refresh reuses the
 * connections of the last one instead of opening a pool of its own that nobody closes.
 */
const guards = new WeakMap<LookupFunction, Map<string, AddressGuard>>();
const defaultLookupGuards = new Map<string, AddressGuard>();

function addressGuard(home: URL, lookup: LookupFunction | undefined): AddressGuard {
  const made = guardsFor(lookup);
  let guard = made.get(home.href);
  if (guard === undefined) made.set(home.href, (guard = newAddressGuard(home, lookup)));
  return guard;
}

function guardsFor(lookup: LookupFunction | undefined): Map<string, AddressGuard> {
  if (lookup === undefined) return defaultLookupGuards;
  let made = guards.get(lookup);
  if (made === undefined) guards.set(lookup, (made = new Map()));
  return made;
}

function newAddressGuard(home: URL, lookup: LookupFunction | undefined): AddressGuard {
  const homeIsInternal = isInternalHost(home.hostname);
  return {
    refuse: (hostname, address) =>
      homeIsInternal || !isInternalHost(address)
        ? undefined
        : `${hostname} resolves to ${address}, a loopback, link-local or private address, and the upstream ${home.host} is not one; if the upstream is a mirror on your network, name it by its address (--upstream ${home.protocol}//${address.includes(':') ? `[${address}]` : address}${home.port ? `:${home.port}` : ''}${home.pathname.replace(/\/+$/, '')})`,
    ...(lookup ? { lookup } : {}),
  };
}

/** The upstream URL as it may be shown: no userinfo, no trailing slash. */
export function shownUpstream(upstream: string): string {
  return splitUserinfo(upstream).url.replace(/\/+$/, '');
}

/**
 * Loopback, link-local, private (RFC 1918, ULA), CGNAT and unspecified addresses, and the
 * localhost names. A host name that resolves to one is caught at connect time (`addresses`).
 */
export function isInternalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 4) return internalV4(host);
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (mapped?.[1]) return internalV4(mapped[1]);
  if (host === '::1' || host === '::') return true;
  const first = parseInt(host.split(':')[0] || '0', 16);
  return (first & 0xffc0) === 0xfe80 || (first & 0xfe00) === 0xfc00;
}

function internalV4(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return a === 127 || a === 10 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}
