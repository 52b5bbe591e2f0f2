/**
 * The no-op fast path of `tczbuild all`: a conservative fingerprint of every input a build key
 * can depend on (recipe bytes, overlay and kernel-config trees by content, the mksquashfs binary,
 * git HEAD for the source epoch, the tczbuild build id) plus the published output's stat. If it
 * equals the stamp left by the last successful run, nothing can have changed and the full load
 * (YAML, schema, plugins) is skipped. A differing fingerprint proves nothing: the caller then
 * runs the real build-key comparison. Uses only node built-ins so that it loads in a moment;
 * it must never decide to build, only to skip.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statePath } from './build-state.js';

export interface StampInput {
  readonly recipesDir: string;
  readonly overlaysDir: string;
  readonly outDir: string;
  readonly cacheDir: string;
  readonly tcVersion: string;
  readonly arch: string;
  readonly upstreamIndexes: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

interface StampFile {
  readonly stamp: string;
  readonly names: readonly string[];
}

const buildIdFile = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'build-id.txt');
const bundledKernelConfig = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'kernel-config');

/** The build id of a built tczbuild (dist/); undefined when running from sources, which disables stamps. */
function buildId(): string | undefined {
  return existsSync(buildIdFile) ? readFileSync(buildIdFile, 'utf8').trim() : undefined;
}

/** Fingerprint of the inputs, taken before a build; undefined when stamps cannot be trusted here. */
export async function fingerprintInputs(i: StampInput): Promise<string | undefined> {
  const id = buildId();
  if (!id) return undefined;
  const git = await gitFingerprint(i.recipesDir, i.env);
  if (git === undefined) return undefined;
  const h = createHash('sha256');
  h.update(JSON.stringify({ id, git, tc: i.tcVersion, arch: i.arch, out: resolve(i.outDir), indexes: i.upstreamIndexes }));
  // Synchronous reads: recipes are small and there may be thousands; a thread-pool round trip
  // per stat and per read was most of a no-op run's time.
  for (const name of (await readdir(i.recipesDir).catch(() => [] as string[])).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    // a FIFO, a device or a directory at a recipe's name is the full load's to report, not ours to read
    const path = join(i.recipesDir, name);
    const st = quietly(() => statSync(path));
    if (!st?.isFile() || st.size > hashUpTo) return undefined;
    h.update(`recipe ${name}\0`).update(readFileSync(path));
  }
  for (const dir of [i.overlaysDir, join(dirname(i.recipesDir), 'kernel-config'), bundledKernelConfig, ...i.upstreamIndexes]) {
    h.update(`tree ${dir}\0${await statTree(dir)}`);
  }
  h.update(`mksquashfs ${await statOnPath('mksquashfs', i.env)}`);
  return h.digest('hex');
}

/** Fingerprint of the published output for this target: the state file and every image it names. */
async function fingerprintOutput(i: StampInput): Promise<string> {
  const state = statePath(resolve(i.outDir), i.tcVersion, i.arch);
  const parts = [await statLine(state)];
  const text = await readFile(state, 'utf8').catch(() => '');
  const names = Object.keys((JSON.parse(text || '{}') as { extensions?: object }).extensions ?? {}).sort();
  const tczDir = join(resolve(i.outDir), `${i.tcVersion}.x`, i.arch, 'tcz');
  for (const n of names) parts.push(statLineSync(join(tczDir, `${n}.tcz`)));
  return parts.join('\n');
}

function stampPath(i: StampInput): string {
  const key = createHash('sha256').update(`${resolve(i.outDir)}\0${i.tcVersion}\0${i.arch}`).digest('hex').slice(0, 32);
  return join(i.cacheDir, 'stamps', `${key}.json`);
}

/** The extension names to report as up to date, when the stamp matches; undefined otherwise. */
export async function matchStamp(i: StampInput): Promise<readonly string[] | undefined> {
  const inputs = await fingerprintInputs(i);
  if (!inputs) return undefined;
  const saved = await readFile(stampPath(i), 'utf8').then((t) => JSON.parse(t) as StampFile, () => undefined);
  if (!saved) return undefined;
  const now = hash(inputs, await fingerprintOutput(i));
  return saved.stamp === now ? saved.names : undefined;
}

/** Record a successful run: inputs as fingerprinted before it started, output as it is now. */
export async function writeStamp(i: StampInput, inputs: string, names: readonly string[]): Promise<void> {
  const file = stampPath(i);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    const body: StampFile = { stamp: hash(inputs, await fingerprintOutput(i)), names };
    await writeFile(tmp, JSON.stringify(body));
    await rename(tmp, file);
  } catch {
    // Best effort: the build has published; a read-only or full cache only costs the next run
    // the full check, it must not turn a successful build into a failure.
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

function hash(inputs: string, output: string): string {
  return createHash('sha256').update(inputs).update('\0').update(output).digest('hex');
}

/**
 * A file's stat, ctime included: `cp -p`, `rsync -t` and `tar x` put back an old mtime, but any
 * write moves ctime, which no user tool can set. Used where hashing would cost too much.
 */
async function statLine(path: string): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  return st ? `${path} ${st.mode} ${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino}` : `${path} missing`;
}

/** statLine without a thread-pool round trip, for the thousands of images of a large mirror. */
function statLineSync(path: string): string {
  const st = quietly(() => lstatSync(path));
  return st ? `${path} ${st.mode} ${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino}` : `${path} missing`;
}

/** What f returns, or undefined when it throws (the async versions' .catch(() => undefined)). */
function quietly<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** Files up to this size are fingerprinted by content (what the build key hashes), larger ones by stat. */
const hashUpTo = 1024 * 1024;

async function contentLine(path: string): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  if (!st?.isFile() || st.size > hashUpTo) return statLine(path);
  const bytes = await readFile(path).catch(() => undefined);
  return bytes ? `${path} ${st.mode} ${createHash('sha256').update(bytes).digest('hex')}` : statLine(path);
}

/** A tree's fingerprint: each entry's type and mode, small files by content, others by stat. */
async function statTree(root: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    lines.push(await statLine(dir));
    const names = await readdir(dir).catch(() => undefined);
    if (!names) return;
    for (const name of names.sort()) {
      const path = join(dir, name);
      const st = await lstat(path);
      if (st.isDirectory()) await walk(path);
      else lines.push(await contentLine(path));
    }
  };
  await walk(root);
  return lines.join('\n');
}

async function statOnPath(tool: string, env: NodeJS.ProcessEnv): Promise<string> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const line = await statLine(join(dir, tool));
    if (!line.endsWith('missing')) return line;
  }
  return `${tool} missing`;
}

/**
 * What the recipes' source epoch can depend on: SOURCE_DATE_EPOCH, else the commit git HEAD
 * names (commit times change only with a new commit). Undefined when git's layout is one we do
 * not read, so the caller falls back to the full check.
 */
async function gitFingerprint(from: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env.SOURCE_DATE_EPOCH !== undefined) return `epoch ${env.SOURCE_DATE_EPOCH}`;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    const st = await lstat(dotGit).catch(() => undefined);
    if (st?.isDirectory()) {
      const head = (await readFile(join(dotGit, 'HEAD'), 'utf8')).trim();
      const ref = /^ref: (.+)$/.exec(head)?.[1];
      if (!ref) return `head ${head}`;
      const commit = await readFile(join(dotGit, ref), 'utf8').catch(() => undefined);
      return commit ? `head ${ref} ${commit.trim()}` : `head ${ref} ${await statLine(join(dotGit, 'packed-refs'))}`;
    }
    if (st) return undefined; // a worktree or submodule .git file: not worth parsing here
    if (dirname(dir) === dir) return 'no git';
  }
}
