/**
 * The project the booted-box integration tests share: the stand-in box (scripts/make-standin-box.sh),
 * containerd.tcz built by tczbuild from Debian's containerd, runc and CNI binaries with the
 * repository's own containerd recipe (only its sources swapped for file:// URLs of those
 * binaries, hashed here), overlayfs-<release>.tcz from `kernel-module build` against Debian's
 * headers, and a stand-in upstream mirror with iptables.tcz and netfilter-<release>.tcz built
 * by tczbuild fixture recipes from Debian's files. Nothing here is faked: a missing tool fails.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { startMirrorServer, type MirrorServer } from '../../../src/mirror/server.js';
import { runTool } from '../../../src/util/exec.js';
import { tczbuild } from '../../helpers/cli.js';
import { holdFileLock } from '../../helpers/file-lock.js';
import { cacheDir, debianHeadersDir, ensureLinuxTree } from '../../kconfig/linux-tree.js';
import { debianContainerdRecipe, iptablesRecipe, kernelRelease, netfilterRecipe } from '../../../src/demo/box-recipes.js';
import { loadOpenfaasArtifacts, missingOpenfaasDir, openfaasDirVariable, openfaasRecipe, pushOciArchive, type OpenfaasArtifacts, type OpenfaasImage } from '../../../src/demo/openfaas.js';

export { kernelRelease };

export const repoRoot = resolve(import.meta.dirname, '../../..');
export const tcVersion = '11';

export interface BoxProject {
  readonly dir: string;
  readonly box: string;
  readonly release: string;
  readonly tczDir: string;
  readonly upstream: MirrorServer;
}

async function must(run: Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<void> {
  const r = await run;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** The stand-in box, the mirror with containerd.tcz and overlayfs-<release>.tcz, and the stand-in upstream. */
export async function createBoxProject(dir: string, extraRecipes: Record<string, string> = {}, extraOverlays: Record<string, string> = {}): Promise<BoxProject> {
  const release = await kernelRelease();
  await runTool(join(repoRoot, 'scripts/make-standin-box.sh'), [join(dir, 'box')], { env: process.env });

  await mkdir(join(dir, 'recipes'), { recursive: true });
  await writeFile(join(dir, 'recipes/containerd.yaml'), await debianContainerdRecipe(repoRoot));
  for (const [name, text] of Object.entries(extraRecipes)) await writeFile(join(dir, 'recipes', `${name}.yaml`), text);
  for (const [rel, text] of Object.entries(extraOverlays)) {
    await mkdir(join(dir, 'rootfs-overlays', rel, '..'), { recursive: true });
    await writeFile(join(dir, 'rootfs-overlays', rel), text, { mode: 0o755 });
  }
  await copyOverlay(join(repoRoot, 'rootfs-overlays/containerd'), join(dir, 'rootfs-overlays/containerd'));
  // --no-verify: Debian 12's containerd, runc and ctr need GLIBC_2.34, newer than TinyCore 11's
  // 2.30, so the build gate rightly refuses them for a real TinyCore 11 box; the stand-in box runs
  // the host's glibc 2.36 and declares it (scripts/standin-box.md), which is what these tests use.
  await must(tczbuild(['build', 'containerd', ...Object.keys(extraRecipes), '--tc-version', tcVersion, '--no-verify'], { cwd: dir }), 'tczbuild build');

  const tczDir = join(dir, 'out', `${tcVersion}.x`, 'x86_64', 'tcz');
  const built = await overlayModule(release);
  for (const f of await readdir(built)) await copyFile(join(built, f), join(tczDir, f));

  // the stand-in upstream TinyCore mirror
  const up = join(dir, 'upstream');
  await mkdir(join(up, 'recipes'), { recursive: true });
  await writeFile(join(up, 'recipes/iptables.yaml'), await iptablesRecipe());
  await writeFile(join(up, `recipes/netfilter-${release}.yaml`), await netfilterRecipe(release));
  // --no-verify: Debian's iptables (GLIBC_2.34) and modules for the stand-in's Debian kernel are
  // stand-ins for upstream's, judged against the stand-in box, not TinyCore 11
  await must(tczbuild(['build', 'iptables', `netfilter-${release}`, '--tc-version', tcVersion, '--no-verify'], { cwd: up }), 'tczbuild build (upstream stand-ins)');
  const upstream = await startMirrorServer({ root: join(up, 'out'), host: '127.0.0.1', port: 0 });
  return { dir, box: join(dir, 'box/box.yaml'), release, tczDir, upstream };
}

/**
 * overlayfs-<release>.tcz from `kernel-module build` against Debian's headers, as if the box's
 * kernel lacked overlayfs: compiled once and shared by every test that needs it (the box tests,
 * the quick-start clone, kernel-module-build.test.ts's headers build). Kept in the test cache
 * beside the unpacked Linux tree under a key of everything the build depends on: the kernel
 * release and headers, the base config, the arguments and tczbuild's build id (dist/, which the
 * global setup rebuilds from src/). So a run compiles it at most once, a later run with the same
 * tczbuild none, and a changed tczbuild (say, how modules are packed) never reuses an old one.
 */
export async function overlayModule(release: string): Promise<string> {
  const headers = await debianHeadersDir();
  const config = (await readFile(join(headers, '.config'), 'utf8')).replace(/^CONFIG_OVERLAY_FS=m$/m, '# CONFIG_OVERLAY_FS is not set');
  const args = ['kernel-module', 'build', '--headers', headers, '--base-config', 'no-overlay.config', '--out', 'out', '--jobs', '2'];
  const buildId = await readFile(join(repoRoot, 'dist', 'build-id.txt'), 'utf8');
  const key = createHash('sha256').update(JSON.stringify([release, headers, config, args, buildId])).digest('hex').slice(0, 16);
  const out = join(cacheDir, `overlayfs-${release}-${key}`);
  if (existsSync(join(out, `overlayfs-${release}.tcz`))) return out;
  await mkdir(cacheDir, { recursive: true });
  // Test files run side by side and several want the module at once: the first compiles it,
  // the others wait for its lock and then find it built (one compile per run, not three).
  const lock = await holdFileLock(`${out}.lock`);
  try {
    if (!existsSync(join(out, `overlayfs-${release}.tcz`))) await compileOverlayModule(release, out, config, args);
  } finally {
    await lock.release();
  }
  // builds under other keys stay: another checkout on this machine may use them (each is a
  // few hundred KB)
  return out;
}

async function compileOverlayModule(release: string, out: string, config: string, args: string[]): Promise<void> {
  const tree = await ensureLinuxTree();
  const km = await mkdtemp(join(cacheDir, '.overlayfs-'));
  try {
    await writeFile(join(km, 'no-overlay.config'), config);
    await must(tczbuild([...args.slice(0, 2), '--source', tree, ...args.slice(2)], { cwd: km }), 'kernel-module build');
    await rename(join(km, 'out'), out).catch((error: unknown) => {
      if (!existsSync(join(out, `overlayfs-${release}.tcz`))) throw error;
    });
  } finally {
    await rm(km, { recursive: true, force: true });
  }
}

async function copyOverlay(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  await runTool('cp', ['-a', `${from}/.`, `${to}/`], { env: process.env });
}

/**
 * After faasd's install hook and `faasd start`, CNI must still load: an empty conflist left in
 * /etc/cni/net.d (what faasd.tcz once pre-created) made containerd's CNI fail with "unexpected
 * end of JSON input". Runs the image containerd's own test: steps made earlier in the same boot.
 * `ctr run --cni` takes the first conflist by name and the real faasd has written
 * 10-openfaas.conflist by now, so this one sorts before it (05-).
 */
const cniAfterFaasdStep = {
  name: 'a container still runs on a CNI bridge after faasd started',
  timeout: 120,
  run: [
    'set -e',
    'ls -la /etc/cni/net.d',
    `echo '{"cniVersion":"0.4.0","name":"after-faasd","plugins":[{"type":"bridge","bridge":"tczbr1","isGateway":true,"ipam":{"type":"host-local","subnet":"10.78.0.0/24"}}]}' >/etc/cni/net.d/05-after-faasd.conflist`,
    `ctr -n tczbuild-test run --rm --cni --snapshotter overlayfs tczbuild.test/busybox:1 tczbuild-after-faasd sh -c 'ip -4 addr show eth0 | grep inet'`,
    'rm -f /etc/cni/net.d/05-after-faasd.conflist',
  ].join('\n'),
  expect: 'inet 10.',
};

export interface RealFaasd {
  readonly artifacts: OpenfaasArtifacts;
  /** the function image pushed into the registry (also bundled into openfaas-fn) */
  readonly fn: OpenfaasImage;
  readonly binServer: MirrorServer;
}

/**
 * faasd.tcz from the repository's faasd recipe with the real stack built from source
 * ($TCZBUILD_OPENFAAS_DIR): the binaries served over HTTP, every image pushed into the local
 * registry and bundled through `--registry-mirror docker.io=…` after `tczbuild pin` resolved its
 * digest there, the function image into namespace openfaas-fn. The recipe's own test: steps
 * run, plus the CNI check above before its stop step.
 */
export async function addRealFaasd(project: BoxProject, registryUrl: string): Promise<RealFaasd> {
  const from = process.env[openfaasDirVariable];
  if (!from) throw new Error(missingOpenfaasDir);
  const artifacts = await loadOpenfaasArtifacts(from);
  for (const image of artifacts.images) await pushOciArchive(registryUrl, image);
  const binServer = await startMirrorServer({ root: join(from, 'bin'), host: '127.0.0.1', port: 0 });
  const dir = project.dir;
  const text = await openfaasRecipe(repoRoot, binServer.url.replace(/\/$/, ''), artifacts);
  const doc = parseDocument(text);
  const steps = doc.get('test') as { items: unknown[] };
  // before "stop removes every core container": the CNI check needs faasd running
  const stopAt = (doc.toJS() as { test: Array<{ name?: string }> }).test.findIndex((t) => t.name?.startsWith('stop '));
  steps.items.splice(stopAt < 0 ? steps.items.length : stopAt, 0, doc.createNode(cniAfterFaasdStep));
  await writeFile(join(dir, 'recipes/faasd.yaml'), doc.toString());
  await copyOverlay(join(repoRoot, 'rootfs-overlays/faasd'), join(dir, 'rootfs-overlays/faasd'));
  const mirror = ['--registry-mirror', `docker.io=${registryUrl}`];
  await must(tczbuild(['pin', 'faasd', '--cache', 'cache', ...mirror], { cwd: dir }), 'tczbuild pin faasd');
  await must(tczbuild(['build', 'faasd', '--cache', 'cache', '--tc-version', tcVersion, ...mirror], { cwd: dir }), 'tczbuild build faasd');
  const fn = artifacts.images.find((i) => !/^docker\.io\/(openfaas|library|prom)\//.test(i.ref));
  if (!fn) throw new Error(`${from}/images/digests.txt has no function image besides the core services`);
  return { artifacts, fn, binServer };
}
