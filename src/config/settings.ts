/**
 * The effective project settings and where each came from: a command-line flag, tczbuild.yaml
 * (file and line), the environment, or the built-in default. Flags win over the file, the
 * file over defaults. Paths from the file are relative to the file, paths from flags to the
 * working directory. Pure.
 */
import { dirname, relative, resolve } from 'node:path';
import { UsageError } from 'clipanion';
import { isTinyCoreArch, unknownArchMessage } from '../recipe/arch.js';
import type { Target } from '../recipe/model.js';
import { defaultCacheDir } from '../util/cache-dir.js';
import type { LoadedConfig } from './load.js';

export interface Setting<T> {
  readonly value: T;
  /** `--out`, `tczbuild.yaml:4`, `$XDG_CACHE_HOME`, `default`. */
  readonly origin: string;
}

export interface Flags {
  readonly recipes?: string;
  readonly overlays?: string;
  readonly out?: string;
  readonly cache?: string;
  readonly tcVersion?: string;
  readonly arch?: string;
  readonly targets?: readonly string[];
  readonly sourceMirrors?: readonly string[];
  readonly registryMirrors?: readonly string[];
  readonly upstream?: string;
  readonly remoteCache?: string;
  readonly logDir?: string;
}

export interface Settings {
  readonly recipes: Setting<string>;
  readonly overlays: Setting<string>;
  readonly out: Setting<string>;
  readonly cache: Setting<string>;
  readonly targets: Setting<readonly Target[]>;
  readonly upstream: Setting<string | undefined>;
  readonly sourceMirrors: Setting<readonly string[]>;
  readonly registryMirrors: Setting<Readonly<Record<string, string>>>;
  readonly remoteCache: Setting<string | undefined>;
  /** Where `tczbuild test` keeps its logs; undefined: a new temporary directory per run. */
  readonly logDir: Setting<string | undefined>;
  readonly configFile?: string;
}

export const defaultTarget: Target = { tcVersion: '11', arch: 'x86_64' };

/** `15.x/aarch64` (or `15/aarch64`) → a target; a usage error naming what is wrong otherwise. */
export function parseTarget(text: string, what: string): Target {
  const m = /^(\d+)(?:\.x)?\/(.+)$/.exec(text.trim());
  if (!m) throw new UsageError(`${what} takes VERSION.x/ARCH such as 15.x/x86_64, not "${text}"`);
  if (!isTinyCoreArch(m[2])) throw new UsageError(`${what} ${text}: ${unknownArchMessage(m[2])}`);
  return { tcVersion: m[1]!, arch: m[2] };
}

export function resolveSettings(flags: Flags, config: LoadedConfig | undefined, cwd: string, env: NodeJS.ProcessEnv): Settings {
  const c = config?.config ?? {};
  const base = config ? dirname(config.file) : cwd;
  const at = (key: string): string => `${relative(cwd, config!.file) || config!.file}:${config!.lines[key] ?? 1}`;
  const path = (flag: string | undefined, name: string, key: keyof typeof c, fallback: () => Setting<string>): Setting<string> => {
    if (flag !== undefined) return { value: resolve(cwd, flag), origin: name };
    const v = c[key];
    if (typeof v === 'string') return { value: resolve(base, v), origin: at(key) };
    return fallback();
  };
  const recipes = path(flags.recipes, '--recipes', 'recipes', () => ({ value: resolve(base, 'recipes'), origin: 'default' }));
  const mirrorPath = (m: string, from: string): string => (/^[a-z]+:\/\//.test(m) ? m : resolve(from, m));
  return {
    recipes,
    overlays: path(flags.overlays, '--overlays', 'overlays', () => ({ value: resolve(recipes.value, '..', 'rootfs-overlays'), origin: 'default (beside the recipes directory)' })),
    out: path(flags.out, '--out', 'out', () => ({ value: resolve(base, 'out'), origin: 'default' })),
    cache: path(flags.cache, '--cache', 'cache', () => ({ value: defaultCacheDir(env), origin: env.XDG_CACHE_HOME ? '$XDG_CACHE_HOME' : 'default' })),
    targets: resolveTargets(flags, c.targets, () => at('targets')),
    upstream:
      flags.upstream !== undefined
        ? { value: flags.upstream, origin: '--upstream' }
        : c.upstream
          ? { value: c.upstream, origin: at('upstream') }
          : env.TCZBUILD_UPSTREAM
            ? { value: env.TCZBUILD_UPSTREAM, origin: '$TCZBUILD_UPSTREAM' }
            : { value: undefined, origin: 'default' },
    remoteCache:
      flags.remoteCache !== undefined ? { value: flags.remoteCache, origin: '--remote-cache' } : c['remote-cache'] ? { value: c['remote-cache'], origin: at('remote-cache') } : { value: undefined, origin: 'default' },
    logDir:
      flags.logDir !== undefined
        ? { value: resolve(cwd, flags.logDir), origin: '--log-dir' }
        : c['log-dir']
          ? { value: resolve(base, c['log-dir']), origin: at('log-dir') }
          : { value: undefined, origin: 'default' },
    sourceMirrors: flags.sourceMirrors?.length
      ? { value: flags.sourceMirrors.map((m) => mirrorPath(m, cwd)), origin: '--source-mirror' }
      : c['source-mirrors']
        ? { value: c['source-mirrors'].map((m) => mirrorPath(m, base)), origin: at('source-mirrors') }
        : { value: [], origin: 'default' },
    registryMirrors: flags.registryMirrors?.length
      ? { value: registryMirrorMap(flags.registryMirrors), origin: '--registry-mirror' }
      : c['registry-mirrors']
        ? { value: c['registry-mirrors'], origin: at('registry-mirrors') }
        : { value: {}, origin: 'default' },
    ...(config ? { configFile: config.file } : {}),
  };
}

function resolveTargets(flags: Flags, fromFile: readonly string[] | undefined, line: () => string): Setting<readonly Target[]> {
  if (flags.tcVersion !== undefined || flags.arch !== undefined) {
    if (flags.targets?.length) throw new UsageError('--target cannot be combined with --tc-version or --arch: pass --target VERSION.x/ARCH');
    const tcVersion = flags.tcVersion ?? defaultTarget.tcVersion;
    const arch = flags.arch ?? defaultTarget.arch;
    if (!/^\d+$/.test(tcVersion)) throw new UsageError(`--tc-version takes a TinyCore major version such as 11 or 15, not "${tcVersion}"`);
    if (!isTinyCoreArch(arch)) throw new UsageError(`--arch: ${unknownArchMessage(arch)}`);
    return { value: [{ tcVersion, arch }], origin: [flags.tcVersion !== undefined ? '--tc-version' : '', flags.arch !== undefined ? '--arch' : ''].filter(Boolean).join(' ') };
  }
  const all = fromFile?.map((t) => parseTarget(t, 'targets:')) ?? [defaultTarget];
  if (!flags.targets?.length) return { value: all, origin: fromFile ? line() : 'default' };
  // --target narrows the configured targets (or names ones the file does not list).
  return { value: flags.targets.map((t) => parseTarget(t, '--target')), origin: '--target' };
}

/** --registry-mirror HOST=URL values as a host → base URL map. */
export function registryMirrorMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of values) {
    const eq = m.indexOf('=');
    if (eq <= 0 || !/^https?:\/\/./.test(m.slice(eq + 1))) throw new UsageError(`--registry-mirror ${m}: expected HOST=URL, e.g. --registry-mirror docker.io=http://127.0.0.1:5000`);
    out[m.slice(0, eq)] = m.slice(eq + 1);
  }
  return out;
}

export function targetName(t: Target): string {
  return `${t.tcVersion}.x/${t.arch}`;
}
