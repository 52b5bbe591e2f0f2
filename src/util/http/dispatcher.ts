/**
 * The connection pool under the one HTTP client (request.ts): undici, with its EnvHttpProxyAgent fed the command's own environment
 * (http_proxy/HTTP_PROXY for http URLs, https_proxy/HTTPS_PROXY for https ones, else the http
 * proxy; no_proxy/NO_PROXY to bypass; lower-case wins, as in curl), and an optional private CA
 * (--ca-file) trusted in addition to the system's. Plain-http requests go to the proxy in
 * absolute form; https ones tunnel through CONNECT. A command sets its settings once at start
 * with useNetwork() (network-settings.ts, which loads no client). Nothing here sends a request.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { fail } from '../../diagnostics/errors.js';
import { networkSettings, type NetworkSettings } from '../network-settings.js';

export { useNetwork, type NetworkSettings } from '../network-settings.js';

let made: { readonly for: NetworkSettings; readonly dispatcher: Dispatcher } | undefined;

/** The shared dispatcher for the settings in force, made on first use after they change. */
export function dispatcher(): Dispatcher {
  const now = networkSettings();
  if (made?.for !== now) {
    void made?.dispatcher.close().catch(() => undefined);
    made = { for: now, dispatcher: createDispatcher(now) };
  }
  return made.dispatcher;
}

/** The proxy settings from an environment, lower-case names first. Empty means none. */
export function proxyEnv(env: NodeJS.ProcessEnv): { httpProxy: string; httpsProxy: string; noProxy: string } {
  const pick = (name: string): string => env[name] ?? env[name.toUpperCase()] ?? '';
  const httpProxy = pick('http_proxy');
  return { httpProxy, httpsProxy: pick('https_proxy') || httpProxy, noProxy: pick('no_proxy') };
}

function createDispatcher(s: NetworkSettings): Dispatcher {
  const tls = s.caFile === undefined ? {} : { ca: [...rootCertificates, readCa(s.caFile)] };
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
