/**
 * What `tczbuild new` proposes for each downloaded URL: `extract` (strip, into, include) for an
 * archive from the shape of its entries, `install` for a single file, the arch a release asset
 * is for, and what the URL says about the version and the project's site and author. Every
 * guess it cannot back is marked TODO. Pure.
 */
import type { ListedEntry, Inspection } from './inspect.js';

export interface ProposedSource {
  readonly url: string;
  readonly sha256: string;
  readonly arch?: string;
  readonly extract?: { readonly strip: number; readonly into: string; readonly include?: readonly string[] };
  readonly install?: { readonly to: string; readonly mode?: string };
  readonly todo?: string;
}

export interface UrlFacts {
  readonly version?: string;
  readonly site: string;
  readonly author?: string;
}

const archNames: ReadonlyArray<[RegExp, string]> = [
  [/(?:^|[-_.])(amd64|x86_64|x64)(?:[-_.]|$)/, 'x86_64'],
  [/(?:^|[-_.])(arm64|aarch64)(?:[-_.]|$)/, 'aarch64'],
  [/(?:^|[-_.])(armv7l?|armhf|arm)(?:[-_.]|$)/, 'armv7'],
  [/(?:^|[-_.])(386|i386|i686|x86)(?:[-_.]|$)/, 'x86'],
];

export function urlFacts(url: string): UrlFacts {
  const u = new URL(url);
  const gh = u.hostname === 'github.com' ? /^\/([^/]+)\/([^/]+)/.exec(u.pathname) : null;
  const version = /(?:^|[/_-])v?(\d+\.\d+(?:\.\d+)*)(?=[/._-]|$)/.exec(u.pathname)?.[1];
  return {
    ...(version ? { version } : {}),
    site: gh ? `https://github.com/${gh[1]}/${gh[2]}` : `${u.protocol}//${u.host}/`,
    ...(gh ? { author: `The ${gh[2]} authors (${gh[1]})` } : {}),
  };
}

function basename(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'download');
}

export function archOf(url: string): string | undefined {
  const base = basename(url).toLowerCase();
  return archNames.find(([re]) => re.test(base))?.[1];
}

/** The leading directory every entry shares (`tool-1.0/`), which strip: 1 removes. */
function commonTop(entries: readonly ListedEntry[]): string | undefined {
  const tops = new Set(entries.map((e) => e.name.split('/')[0]));
  const [top] = tops;
  return tops.size === 1 && top && entries.some((e) => e.name.includes('/') && e.name.split('/')[1] !== '') ? top : undefined;
}

export function proposeSource(name: string, url: string, sha256: string, found: Inspection): ProposedSource {
  const arch = archOf(url);
  const base = { url, sha256, ...(arch ? { arch } : {}) };
  if (found.kind !== 'archive') {
    if (found.kind === 'executable') return { ...base, install: { to: `usr/local/bin/${name}`, mode: '0755' } };
    return { ...base, install: { to: `usr/local/share/${name}/${basename(url)}` }, todo: 'not an archive or executable: check where this file belongs' };
  }
  if (found.deb) {
    return { ...base, extract: { strip: 0, into: '' }, todo: "a Debian package: its files land where Debian puts them (usr/bin, usr/share/doc…); narrow with include: (paths inside data.tar) and drop what TinyCore does not need" };
  }
  const strip = commonTop(found.entries) ? 1 : 0;
  const rel = found.entries.map((e) => ({ ...e, name: e.name.split('/').slice(strip).join('/') })).filter((e) => e.name !== '');
  const tops = new Set(rel.map((e) => e.name.split('/')[0]!));
  const files = rel.filter((e) => e.type === 'file');
  if (tops.has('usr') || tops.has('etc') || tops.has('opt')) return { ...base, extract: { strip, into: '' } };
  const fhs = ['bin', 'sbin', 'lib', 'libexec', 'share'].filter((d) => tops.has(d));
  if (fhs.length) return { ...base, extract: { strip, into: 'usr/local', include: fhs } };
  const executables = files.filter((e) => !e.name.includes('/') && (e.mode & 0o111) !== 0);
  if (executables.length) {
    const others = files.length - executables.length;
    return {
      ...base,
      extract: { strip, into: 'usr/local/bin', include: executables.map((e) => e.name).sort() },
      ...(others ? { todo: `the archive also holds ${others} other file(s) (docs, licences?) left out by include:` } : {}),
    };
  }
  return { ...base, extract: { strip, into: `usr/local/share/${name}` }, todo: 'no executables or bin/ found: check where the contents belong' };
}
