/**
 * The connection pool under the one HTTP client (request.ts): undici, with its EnvHttpProxyAgent fed the command's own environment
 * (http_proxy/HTTP_PROXY for http URLs, https_proxy/HTTPS_PROXY for https ones, else the http
 * proxy; no_proxy/NO_PROXY to bypass; lower-case wins, as in curl), and an optional private CA
 * (--ca-file) trusted in addition to the system's. Plain-http requests go to the proxy in
 * absolute form; https ones tunnel through CONNECT. Each request names its run's settings
 * (network-settings.ts); one pool is kept per settings object. Nothing here sends a request.
 *
 * guardedDispatcher() is the same pool with a check at connect time: every address a host name
 * resolves to is shown to an AddressGuard before a socket opens, so a name that resolves (or
 * re-resolves, DNS rebinding) to an address the guard refuses is never connected to. With a
 * proxy in the environment the proxy resolves names and we never see the address: the guard
 * cannot apply there, and the plain pool is used.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { fail } from '../../diagnostics/errors.js';
import type { NetworkSettings } from '../network-settings.js';

export type { NetworkSettings } from '../network-settings.js';

const made = new WeakMap<NetworkSettings, Dispatcher>();

/** The pool for a run's settings, made on its first request and shared by the rest. */
export function dispatcher(settings: NetworkSettings): Dispatcher {
  let d = made.get(settings);
  if (d === undefined) made.set(settings, (d = createDispatcher(settings)));
  return d;
}

/** Which resolved addresses a transfer may connect to. */
export interface AddressGuard {
  /** Why connecting to `address` (what `hostname` resolved to) is refused, or undefined to connect. */
  readonly refuse: (hostname: string, address: string) => string | undefined;
  /** The resolver; node's dns.lookup unless a test hands in its own (a name that maps to 127.0.0.1). */
  readonly lookup?: LookupFunction;
}

/** What the guarded resolver fails with; request.ts reports its message as the refusal. */
export class AddressRefused extends Error {
  readonly code = 'ETCZADDRREFUSED';
}

const guarded = new WeakMap<AddressGuard, WeakMap<NetworkSettings, Dispatcher>>();

/** A pool whose connections go only to addresses `guard` accepts (the plain pool behind a proxy). */
export function guardedDispatcher(guard: AddressGuard, settings: NetworkSettings): Dispatcher {
  const proxies = proxyEnv(settings.env);
  if (proxies.httpProxy !== '' || proxies.httpsProxy !== '') return dispatcher(settings);
  let bySettings = guarded.get(guard);
  if (bySettings === undefined) guarded.set(guard, (bySettings = new WeakMap()));
  let d = bySettings.get(settings);
  if (d === undefined) bySettings.set(settings, (d = new Agent({ connect: { ...tlsOptions(settings), lookup: guardedLookup(guard) } })));
  return d;
}

/** dns.lookup (or the guard's own) with every answer checked: one refused address refuses the name. */
function guardedLookup(guard: AddressGuard): LookupFunction {
  const base = guard.lookup ?? (dnsLookup as LookupFunction);
  return (hostname, options, callback) => {
    base(hostname, options, (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (error) return callback(error, address as string, family);
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      for (const one of all) {
        const why = guard.refuse(hostname, one);
        if (why !== undefined) return callback(new AddressRefused(why), address as string, family);
      }
      callback(null, address as string, family);
    });
  };
}

/** The proxy settings from an environment, lower-case names first. Empty means none. */
export function proxyEnv(env: NodeJS.ProcessEnv): { httpProxy: string; httpsProxy: string; noProxy: string } {
  const pick = (name: string): string => env[name] ?? env[name.toUpperCase()] ?? '';
  const httpProxy = pick('http_proxy');
  return { httpProxy, httpsProxy: pick('https_proxy') || httpProxy, noProxy: pick('no_proxy') };
}

function tlsOptions(s: NetworkSettings): { ca?: string[] } {
  return s.caFile === undefined ? {} : { ca: [...rootCertificates, readCa(s.caFile)] };
}

function createDispatcher(s: NetworkSettings): Dispatcher {
  const tls = tlsOptions(s);
  // Empty strings (not undefined) so undici never falls back to this process's own environment.
  return new EnvHttpProxyAgent({ ...proxyEnv(s.env), proxyTunnel: false, connect: tls, requestTls: tls, proxyTls: tls });
}

function readCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    return fail('invalid-value', undefined, `--ca-file ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, 'pass a PEM file holding the CA certificate(s) to trust', error);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) fail('invalid-value', undefined, `--ca-file ${path}: holds no PEM certificate`, 'pass a PEM file holding the CA certificate(s) to trust');
  return pem;
}
