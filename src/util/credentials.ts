/**
 * Credentials for downloads, kept out of everything tczbuild prints or publishes. A URL's
 * `user:password@` is split off before the URL is stored or shown; a netrc file ($NETRC, else
 * ~/.netrc, the file curl and Go read) supplies credentials per host; redactUserinfo() masks
 * any userinfo left in free text. Pure apart from reading the netrc file.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Credentials to send to a host, if any. */
export type CredentialLookup = (host: string) => Credentials | undefined;

/** The URL without its userinfo, and that userinfo decoded. A string that is not a URL is returned as is. */
export function splitUserinfo(url: string): { url: string; credentials?: Credentials } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (parsed.username === '' && parsed.password === '') return { url };
  const credentials = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, credentials };
}

/** The URL with these credentials as its userinfo (the inverse of splitUserinfo). */
export function withUserinfo(url: string, credentials: Credentials): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(credentials.username);
  parsed.password = encodeURIComponent(credentials.password);
  return parsed.href;
}

// Up to the last @ before the path, as a URL parser reads it (a password holding '@' is masked
// whole), never across a quote: JSON and quoted text keep their shape.
const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s?#"'<>]*@/gi;

/** Mask `scheme://user:password@` anywhere in a text (messages, hints, URLs). */
export function redactUserinfo(text: string): string {
  return text.replace(userinfo, '$1***@');
}

/**
 * Credentials to send for each URL of a transfer that may be redirected: `own` only to the
 * origin (scheme, host and port) they were given for, as curl does, so neither another host
 * nor a downgrade to plain http ever sees them; elsewhere what `lookup` (netrc) has for that host.
 */
export function originScopedAuth(home: string, own: Credentials | undefined, lookup?: CredentialLookup): (url: URL) => Credentials | undefined {
  const origin = new URL(home).origin;
  return (url) => (url.origin === origin && own ? own : lookup?.(url.hostname));
}

/** Parse netrc text: `machine HOST login USER password PASS`, and `default` for every other host. */
export function parseNetrc(text: string): Map<string, Credentials> {
  const tokens = text.replace(/^\s*#.*$/gm, '').split(/\s+/).filter(Boolean);
  const hosts = new Map<string, Credentials>();
  let host: string | undefined;
  let login = '';
  let password = '';
  const flush = (): void => {
    if (host !== undefined && !hosts.has(host)) hosts.set(host, { username: login, password });
    login = password = '';
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'machine' || t === 'default') {
      flush();
      host = t === 'default' ? '' : (tokens[++i] ?? '').toLowerCase();
    } else if (t === 'login') login = tokens[++i] ?? '';
    else if (t === 'password') password = tokens[++i] ?? '';
    else if (t === 'account') i++;
    else if (t === 'macdef') break; // macros run commands in ftp; nothing for us, and they end the useful part
  }
  flush();
  return hosts;
}

/**
 * The lookup a netrc file gives: $NETRC, else ~/.netrc; no file means no credentials. The file
 * is read on the first lookup, once: a run that downloads nothing never opens it.
 */
export function netrcLookup(env: NodeJS.ProcessEnv): CredentialLookup {
  const path = env.NETRC ?? join(env.HOME ?? homedir(), '.netrc');
  let hosts: Map<string, Credentials> | undefined;
  const read = (): Map<string, Credentials> => {
    try {
      return parseNetrc(readFileSync(path, 'utf8'));
    } catch {
      return new Map();
    }
  };
  return (host) => {
    hosts ??= read();
    return hosts.get(host.toLowerCase()) ?? hosts.get('');
  };
}
