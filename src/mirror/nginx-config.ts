/**
 * An nginx site config that serves out/ the way `tczbuild serve` does, for sites with many
 * boxes: static files with byte ranges (BusyBox `wget -c` resumes), no directory listings, no
 * dot files (out/.tczbuild state), no symlinks out of out/, and, with an upstream mirror, what
 * out/ lacks fetched from upstream through a proxy_cache. The text is includable in nginx's
 * http {} block (sites-enabled). Pure.
 */

export interface NginxSiteOptions {
  /** Absolute path of out/. */
  readonly root: string;
  readonly host: string;
  readonly port: number;
  /** Upstream mirror base (the part before 11.x/), e.g. http://repo.tinycorelinux.net/. */
  readonly upstream?: string;
  /** Absolute directory for nginx's proxy cache of upstream files. */
  readonly cacheDir: string;
  /** Name for the cache zone, unique per site on one nginx. */
  readonly zone?: string;
  /** Seconds an upstream file is served before nginx revalidates it (as serve --upstream-max-age). */
  readonly maxAgeSeconds?: number;
}

/** nginx takes these as bare tokens: refuse what would need quoting rather than risk a broken file. */
function token(value: string, what: string): string {
  if (!/^[A-Za-z0-9_./:@%+=~-]+$/.test(value)) throw new Error(`${what} "${value}" has characters an nginx config cannot take unquoted`);
  return value;
}

export function renderNginxSite(o: NginxSiteOptions): string {
  const root = token(o.root.replace(/\/+$/, ''), 'the output directory');
  const listen = o.host.includes(':') ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`;
  const zone = token(o.zone ?? 'tczbuild_upstream', 'the cache zone');
  const up = o.upstream ? new URL(o.upstream) : undefined;
  // nginx takes no userinfo in proxy_pass: the upstream's own credentials go in a header, and
  // the comment shows the URL without them
  const credentials = up && (up.username || up.password) ? Buffer.from(`${decodeURIComponent(up.username)}:${decodeURIComponent(up.password)}`).toString('base64') : undefined;
  if (up) up.username = up.password = '';
  // nginx caches nothing for 0s; 1s with revalidation is the nearest to "ask every time"
  const maxAge = Math.max(1, Math.round(o.maxAgeSeconds ?? 600));
  const lines = [
    '# tce mirror for TinyCore boxes, written by `tczbuild serve --print-nginx-config`.',
    '# Include it in the http {} block (e.g. /etc/nginx/sites-enabled/tczbuild), then `nginx -s reload`.',
    ...(up
      ? [
          `# Files out/ lacks come from ${up.href} and are kept in ${o.cacheDir}.`,
          "# nginx started as root creates it for its workers' user; an nginx started as that user needs",
          `#   mkdir -p ${o.cacheDir} && chown www-data ${o.cacheDir}   (www-data: the user nginx's workers run as)`,
          `proxy_cache_path ${token(o.cacheDir, 'the cache directory')} levels=1:2 keys_zone=${zone}:10m max_size=10g inactive=60d use_temp_path=off;`,
          '',
        ]
      : []),
    'server {',
    `    listen ${token(listen, 'the listen address')};`,
    `    root ${root};`,
    '    autoindex off;',
    '    index off.invalid;           # never answer a directory with a page',
    '    default_type application/octet-stream;',
    '    charset off;',
    '    sendfile on;',
    '    tcp_nopush on;',
    '    max_ranges 1;                # single byte ranges, as `wget -c` asks',
    '    disable_symlinks on from=$document_root;   # nothing reachable outside out/',
    '',
    '    # Dot files and directories (out/.tczbuild build state) are not for boxes.',
    '    location ~ (^|/)\\. {',
    '        return 404;',
    '    }',
    '',
    '    location / {',
    '        limit_except GET { deny all; }   # GET and HEAD only',
    up ? '        try_files $uri @upstream;' : '        try_files $uri =404;',
    '    }',
  ];
  if (up) {
    const base = up.pathname.replace(/\/+$/, '');
    lines.push(
      '',
      '    location @upstream {',
      ...(base ? [`        rewrite ^ ${token(base, 'the upstream path')}$uri break;`] : []),
      `        proxy_pass ${token(`${up.protocol}//${up.host}`, 'the upstream')};`,
      `        proxy_set_header Host ${token(up.host, 'the upstream host')};`,
      // The client's own Authorization is for this mirror, never for upstream: ours, or none.
      credentials
        ? `        proxy_set_header Authorization "Basic ${credentials}";   # the --upstream URL's user:password`
        : '        proxy_set_header Authorization "";   # a client\'s credentials stay here',
      '        proxy_http_version 1.1;',
      `        proxy_cache ${zone};`,
      '        proxy_cache_key $uri;',
      `        proxy_cache_valid 200 ${maxAge}s;   # then asked again (If-None-Match / If-Modified-Since), as --upstream-max-age`,
      '        proxy_cache_revalidate on;',
      '        proxy_cache_valid 404 1m;',
      '        proxy_cache_lock on;',
      '        proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;',
      '        proxy_force_ranges on;   # ranges served from the cached copy',
      '        add_header X-Cache $upstream_cache_status;',
      '    }',
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
