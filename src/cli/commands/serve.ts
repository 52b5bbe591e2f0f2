/**
 * `tczbuild serve`: serve out/ as a tce mirror until SIGINT/SIGTERM, printing the line to put
 * in the box's /opt/tcemirror and the tcz directories found, and an access log line per
 * request. The HTTP work is src/mirror/server.ts; this class only parses options and waits.
 */
import { networkInterfaces } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Option, UsageError } from 'clipanion';
import { fail } from '../../diagnostics/errors.js';
import { shownUpstream } from '../../mirror/upstream-origin.js';
import { OutOnlyCommand } from '../out-only-command.js';

/** nginx's proxy cache by default: under /var/cache, which nginx (started as root) creates and hands to its workers' user. */
const defaultNginxCache = '/var/cache/tczbuild-nginx';

export class ServeCommand extends OutOnlyCommand {
  static override paths = [['serve']];
  static override usage = OutOnlyCommand.Usage({
    description: 'serve the output directory as a TinyCore tce mirror',
    details: 'Point a box at it with the printed /opt/tcemirror line, then `tce-load -wi NAME`. With --upstream, files out/ lacks (iptables.tcz, original-modules-KERNEL deps) are fetched from that mirror, md5-checked and cached.',
    examples: [['Serve out/ to the LAN', 'tczbuild serve --host 0.0.0.0 --port 8080']],
  });

  host = Option.String('--host', '127.0.0.1', { description: 'address to bind; 0.0.0.0 for every interface' });
  port = Option.String('--port', '8080', { description: 'TCP port (0 picks a free one)' });
  override upstream = Option.String('--upstream', { description: 'base URL of a TinyCore mirror to fall through to for files out/ lacks (default: upstream: in tczbuild.yaml)' });
  /** The old spelling: still taken as the upstream directory itself, with a note to move on. */
  oldCacheDir = Option.String('--cache-dir', { hidden: true });
  printNginx = Option.Boolean('--print-nginx-config', false, { description: 'print an nginx site config serving out/ the same way (with --upstream as a proxy_cache) and exit' });
  nginxCache = Option.String('--nginx-cache', { description: `with --print-nginx-config: nginx's proxy_cache directory for upstream files, owned by nginx's workers, not by tczbuild (default ${defaultNginxCache})` });
  maxConnections = Option.String('--max-connections', '1024', { description: 'connections served at once; more are refused and logged' });
  idleTimeout = Option.String('--idle-timeout', '60', { description: 'seconds a client may take no data (or send nothing) before it is dropped' });
  upstreamMaxMb = Option.String('--upstream-max-mb', '1024', { description: 'largest file fetched from --upstream, in MiB' });
  upstreamDeadline = Option.String('--upstream-deadline', '600', { description: 'seconds one upstream download may take in total (then 504)' });
  upstreamMinRate = Option.String('--upstream-min-rate', '16', { description: 'KiB/s below which an upstream download is abandoned (504)' });
  upstreamMaxAge = Option.String('--upstream-max-age', '600', { description: 'seconds a file fetched from --upstream is served before upstream is asked again whether it changed (0: every request)' });
  upstreamAllowHosts = Option.Array('--upstream-allow-host', [], { description: 'HOST[:PORT] an --upstream redirect may lead to besides the upstream itself (repeatable)' });

  async execute(): Promise<number> {
    return this.run(async () => {
      const { isDirectory } = await import('../../mirror/scan.js');
      const { startMirrorServer } = await import('../../mirror/server.js');
      const { createUpstreamCache } = await import('../../mirror/upstream-cache.js');
      const root = this.outDir();
      const out = relative(this.context.cwd, root) || '.';
      this.upstream = this.settings().upstream.value;
      if (!(await isDirectory(root))) fail('mirror-root-missing', { file: out }, `${out} is not a directory`);
      const port = Number(this.port);
      if (!/^\d+$/.test(this.port) || port > 65535) throw new UsageError(`--port takes a TCP port from 0 to 65535, not "${this.port}"`);
      if (this.upstream !== undefined && !/^https?:\/\/[^/]/.test(this.upstream)) throw new UsageError(`--upstream takes an http(s) URL, the mirror base such as http://HOST/tinycorelinux (the part before 11.x/), not "${this.upstream}"`);
      if (this.nginxCache !== undefined && !this.printNginx) throw new UsageError('--nginx-cache names the cache of the nginx site --print-nginx-config prints: pass both, or neither');
      if (this.printNginx) {
        const { renderNginxSite } = await import('../../mirror/nginx-config.js');
        const cacheDir = this.nginxCachePath();
        this.context.stdout.write(renderNginxSite({ root, host: this.host, port, upstream: this.upstream, cacheDir, maxAgeSeconds: positive('--upstream-max-age', this.upstreamMaxAge, true) }));
        await this.warnUnreachable(root, this.upstream === undefined ? undefined : cacheDir);
        return;
      }
      const limits = {
        maxBytes: positive('--upstream-max-mb', this.upstreamMaxMb) * 1024 * 1024,
        deadlineMs: positive('--upstream-deadline', this.upstreamDeadline) * 1000,
        minBytesPerSec: positive('--upstream-min-rate', this.upstreamMinRate, true) * 1024,
      };
      const { lineBatcher } = await import('../../util/line-batch.js');
      const access = (message: string): void => this.reporter().emit({ type: 'info', message, data: { access: true } });
      // plain output takes a turn's lines in one write; --json keeps one event per request
      const log = this.quiet ? undefined : this.json ? access : lineBatcher(access);
      const maxAgeMs = positive('--upstream-max-age', this.upstreamMaxAge, true) * 1000;
      const origin = { network: this.network(), allowHosts: this.upstreamAllowHosts };
      const upstream = this.upstream ? createUpstreamCache({ upstream: this.upstream, cacheDir: this.cachePaths().upstream, localRoot: root, limits, maxAgeMs, origin, log: (l) => this.say(l) }) : undefined;
      const maxConnections = positive('--max-connections', this.maxConnections);
      const idleTimeoutMs = positive('--idle-timeout', this.idleTimeout) * 1000;
      const server = await startMirrorServer({ root, host: this.host, port, upstream, log, maxConnections, idleTimeoutMs });
      await this.announce(root, server.port);
      await waitForStopSignal();
      this.say('stopping: finishing running transfers');
      await server.close(5000);
    });
  }

  protected readonly outUse = { does: 'serves the built mirror under --out', targets: 'it serves every <major>.x/<arch> under --out' };

  /** -q/--quiet here drops the access log only: the banner names the URL boxes need. */
  protected override quietHidesInfo(): boolean {
    return false;
  }

  /** Where upstream files go (`upstream`) and nginx's proxy_cache (`nginx`). */
  private cachePaths(): { upstream: string; nginx: string } {
    if (this.oldCacheDir) {
      this.reporter().emit({ type: 'info', message: `warning: --cache-dir is now spelled --cache (the cache root; upstream files go in its upstream/): --cache-dir ${this.oldCacheDir} is taken as the upstream directory this once` });
      const dir = resolve(this.context.cwd, this.oldCacheDir);
      return { upstream: dir, nginx: join(dir, 'nginx') };
    }
    const root = this.cacheDir();
    return { upstream: join(root, 'upstream'), nginx: join(root, 'nginx') };
  }

  /**
   * nginx's proxy_cache: --nginx-cache, else the old --cache-dir's nginx/, else a system
   * directory. Not tczbuild's own cache: that is the build user's (under /root when tczbuild
   * runs as root), where nginx's workers cannot write, and the upstream fall-through answered 500.
   */
  private nginxCachePath(): string {
    if (this.nginxCache !== undefined) return resolve(this.context.cwd, this.nginxCache);
    return this.oldCacheDir ? this.cachePaths().nginx : defaultNginxCache;
  }

  /** A warning for each path the printed site names that nginx's workers cannot enter (the config would answer 403 or 500). */
  private async warnUnreachable(root: string, cacheDir: string | undefined): Promise<void> {
    const { blockedForOthers } = await import('../../mirror/nginx-reach.js');
    const { diag } = await import('../../diagnostics/diagnostic.js');
    const paths: Array<[string, string, string]> = [[root, 'the mirror (--out)', 'every request for it would be refused (403)']];
    if (cacheDir) paths.push([cacheDir, 'the proxy cache (--nginx-cache)', 'every upstream file would answer 500']);
    for (const [path, what, effect] of paths) {
      const blocked = await blockedForOthers(path);
      if (!blocked) continue;
      const mode = blocked.mode.toString(8).padStart(4, '0');
      this.reporter().emit({ type: 'diagnostic', diagnostic: diag('nginx-path-unreachable', undefined, `nginx's workers (www-data on Debian) cannot enter ${blocked.dir} (mode ${mode}), so they cannot reach ${what} at ${path}: ${effect}`) });
    }
  }

  private say(message: string): void {
    this.reporter().emit({ type: 'info', message });
  }

  private async announce(root: string, port: number): Promise<void> {
    const hosts = this.host === '0.0.0.0' || this.host === '::' ? externalAddresses() : [this.host];
    const base = `http://${hosts[0] ?? '127.0.0.1'}:${port}/`;
    this.say(`serving ${root} on http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}/`);
    if (this.upstream) this.say(`files missing here are fetched from ${shownUpstream(this.upstream)}`);
    const { findTczDirs } = await import('../../mirror/scan.js');
    const dirs = await findTczDirs(root).catch(() => []);
    for (const dir of dirs) this.say(`  extensions: ${base}${relative(root, dir)}/`);
    if (dirs.length === 0) this.say(`  no <major>.x/<arch>/tcz directory under ${root} yet: run tczbuild build first`);
    this.say(`on the TinyCore box: echo ${base} | sudo tee /opt/tcemirror`);
    if (this.host === '127.0.0.1' || this.host === 'localhost') this.say('(bound to loopback only: pass --host 0.0.0.0 to serve other machines)');
  }
}

/** A positive number option (zero allowed where it switches a check off), else a usage error (exit 2). */
function positive(flag: string, value: string, zeroOk = false): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (n === 0 && !zeroOk)) throw new UsageError(`${flag} takes a positive number, e.g. ${flag} 60, not "${value}"`);
  return n;
}

function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
