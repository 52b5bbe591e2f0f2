/**
 * `npm run demo`: the main job, offline, with the real thing. Builds the stand-in TinyCore box
 * (scripts/make-standin-box.sh), containerd.tcz from the containerd, runc and CNI binaries
 * scripts/setup.sh installed (the repository's recipe, sources swapped), overlayfs-KERNEL.tcz
 * with `tczbuild kernel-module build` against Debian's headers, stand-in iptables.tcz and
 * netfilter-KERNEL.tcz served as the upstream mirror, then boots the box with `tczbuild test
 * containerd` and ends with what the containers printed. With the OpenFaaS stack of faasd 0.9.5
 * built from source (`--openfaas DIR` or $TCZBUILD_OPENFAAS_DIR; scripts/build-openfaas.sh makes
 * one), it also builds faasd.tcz from recipes/faasd.yaml with those binaries and images (served
 * over HTTP and from a local docker-registry), runs `tczbuild test containerd faasd` in one boot and
 * ends with the function's answer from the box. Work goes to out-demo/box/; the overlay module is
 * kept there so a second run skips the kernel build. Other arguments (`npm run demo --
 * --offline`) go to `tczbuild core-scripts` through the box builder.
 * `npm run demo:quick` is the fast variant (stand-in stubs, no boot) CI runs.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startMirrorServer } from '../mirror/server.js';
import { debianContainerdRecipe, iptablesRecipe, kernelRelease, netfilterRecipe } from './box-recipes.js';
import { loadOpenfaasArtifacts, openfaasDirVariable, openfaasRecipe, pushOciArchive } from './openfaas.js';
import { startLocalRegistry } from './registry.js';
import { demoNetwork } from './network.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repo, 'dist', 'cli', 'main.js');
const work = join(repo, 'out-demo', 'box');
const run = promisify(execFile);

function say(line: string): void {
  process.stdout.write(`demo: ${line}\n`);
}

async function tczbuild(args: string[], cwd: string): Promise<void> {
  await run(process.execPath, [cli, ...args], { cwd, maxBuffer: 64 << 20 }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`tczbuild ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
}

// --openfaas DIR is the demo's own; every other argument goes to the box builder.
const args = process.argv.slice(2);
const at = args.indexOf('--openfaas');
const openfaasDir = at >= 0 ? args.splice(at, 2)[1] : process.env[openfaasDirVariable];
if (at >= 0 && !openfaasDir) {
  say('--openfaas needs a directory (bin/faasd, bin/faas-cli, images/*.tar; scripts/build-openfaas.sh makes one)');
  process.exit(2);
}
const artifacts = openfaasDir ? await loadOpenfaasArtifacts(resolve(openfaasDir)) : undefined;

const release = await kernelRelease();
await mkdir(work, { recursive: true });

say(`stand-in box: Debian's kernel ${release} with TinyCore's Core-scripts (scripts/make-standin-box.sh)`);
// The demo's own arguments (`npm run demo -- --offline`) go to the box builder, which hands them
// to `tczbuild core-scripts`. Its failure (no Core-scripts offline, a mismatch) is already
// worded on stderr: end with exit 1, not a stack trace.
const boxBuilt = await new Promise<number>((resolvePromise) => {
  const child = spawn(join(repo, 'scripts/make-standin-box.sh'), [join(work, 'standin'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  child.once('error', () => resolvePromise(127));
  child.once('close', (c) => resolvePromise(c ?? 1));
});
if (boxBuilt !== 0) {
  say('the stand-in box could not be built (see above)');
  process.exit(1);
}

const project = join(work, 'project');
await rm(project, { recursive: true, force: true });
await mkdir(join(project, 'recipes'), { recursive: true });
await writeFile(join(project, 'recipes/containerd.yaml'), await debianContainerdRecipe(repo));
await cp(join(repo, 'rootfs-overlays/containerd'), join(project, 'rootfs-overlays/containerd'), { recursive: true });
say('tczbuild build containerd (Debian\'s containerd, runc and CNI plugins)');
// --no-verify: Debian's binaries need GLIBC_2.34 (TinyCore 11 has 2.30); the stand-in box runs 2.36
await tczbuild(['build', 'containerd', '--tc-version', '11', '--no-verify'], project);

const modules = join(work, 'overlayfs');
if (!existsSync(join(modules, `overlayfs-${release}.tcz`))) {
  say('tczbuild kernel-module build: overlay from linux-source-6.1 against Debian\'s headers (a few minutes, once)');
  const headers = `/usr/src/linux-headers-${release}`;
  const km = join(work, 'km');
  await rm(km, { recursive: true, force: true });
  await mkdir(km, { recursive: true });
  await writeFile(join(km, 'no-overlay.config'), (await readFile(join(headers, '.config'), 'utf8')).replace(/^CONFIG_OVERLAY_FS=m$/m, '# CONFIG_OVERLAY_FS is not set'));
  await tczbuild(['kernel-module', 'build', '--source', '/usr/src/linux-source-6.1.tar.xz', '--headers', headers, '--base-config', 'no-overlay.config', '--out', modules], km);
  await rm(km, { recursive: true, force: true });
}
const tczDir = join(project, 'out', '11.x', 'x86_64', 'tcz');
for (const f of await readdir(modules)) await copyFile(join(modules, f), join(tczDir, f));

const upstreamDir = join(work, 'upstream');
await rm(upstreamDir, { recursive: true, force: true });
await mkdir(join(upstreamDir, 'recipes'), { recursive: true });
await writeFile(join(upstreamDir, 'recipes/iptables.yaml'), await iptablesRecipe());
await writeFile(join(upstreamDir, `recipes/netfilter-${release}.yaml`), await netfilterRecipe(release));
say(`tczbuild build iptables netfilter-${release} (stand-ins for TinyCore's, served as the upstream mirror)`);
await tczbuild(['build', 'iptables', `netfilter-${release}`, '--tc-version', '11', '--no-verify'], upstreamDir);
const upstream = await startMirrorServer({ root: join(upstreamDir, 'out'), host: '127.0.0.1', port: 0 });

const env: string[] = [];
let cleanup = async (): Promise<void> => {};
if (artifacts) {
  const registry = await startLocalRegistry(demoNetwork);
  say(`OpenFaaS stack from ${artifacts.dir}: ${artifacts.images.length} images pushed to docker-registry at ${registry.url} (standing in for docker.io)`);
  for (const image of artifacts.images) await pushOciArchive(registry.url, image);
  const bins = await startMirrorServer({ root: join(artifacts.dir, 'bin'), host: '127.0.0.1', port: 0 });
  cleanup = async () => {
    await bins.close();
    await registry.stop();
  };
  await writeFile(join(project, 'recipes/faasd.yaml'), await openfaasRecipe(repo, bins.url.replace(/\/$/, ''), artifacts));
  await cp(join(repo, 'rootfs-overlays/faasd'), join(project, 'rootfs-overlays/faasd'), { recursive: true });
  const mirror = ['--registry-mirror', `docker.io=${registry.url}`];
  say('tczbuild pin faasd, tczbuild build faasd (recipes/faasd.yaml with the from-source binaries and images)');
  await tczbuild(['pin', 'faasd', ...mirror], project);
  await tczbuild(['build', 'faasd', '--tc-version', '11', ...mirror], project);
  const fn = artifacts.images.find((i) => !/^docker\.io\/(openfaas|library|prom)\//.test(i.ref));
  if (fn) env.push('--env', `FAASD_REGISTRY_RELAY=10.0.2.2:${new URL(registry.url).port}`, '--env', `FAASD_REGISTRY_IMAGE=${fn.repo}:${fn.tag}`);
}

const names = artifacts ? ['containerd', 'faasd'] : ['containerd'];
say(`tczbuild test ${names.join(' ')}: boot the box in QEMU (TCG), tce-load -wi ${names.join(' ')}, run their test: steps${artifacts ? ' (several minutes)' : ''}`);
const logDir = join(work, 'log');
const code = await new Promise<number>((resolvePromise) => {
  const child = spawn(process.execPath, [cli, 'test', ...names, '--box', join(work, 'standin/box.yaml'), '--upstream', upstream.url, '--log-dir', logDir, '--bound', artifacts ? '2700' : '600', ...env], { cwd: project, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('close', (c) => resolvePromise(c ?? 1));
});
await upstream.close();
await cleanup();

const consoleLog = await readFile(join(logDir, 'console.log'), 'utf8');
// A step's output lines are framed `@@tczbox:NONCE out ID TEXT` (src/box/protocol.ts).
const outLine = /^.*@@tczbox(?::\S+)? out \d+ /;
const shown = consoleLog.split('\n').filter((l) => outLine.test(l) && /^(hello from a container|\s*inet 10\.77\.|[0-9a-f]{32} {2}containerd\.tcz)/.test(l.replace(outLine, ''))).map((l) => l.replace(outLine, '').trim());
say('what the containers printed on the booted box:');
for (const line of shown) process.stdout.write(`  ${line}\n`);
if (artifacts) {
  const answers = consoleLog.split('\n').filter((l) => outLine.test(l) && /^(sha512sum answered|pulled function answered|callback received|credentials saved)/.test(l.replace(outLine, ''))).map((l) => l.replace(outLine, '').trim());
  say('what OpenFaaS answered on the booted box (faasd 0.9.5 from faasd.tcz):');
  for (const line of answers) process.stdout.write(`  ${line}\n`);
} else {
  say(`for the faasd demo too: npm run demo -- --openfaas DIR (or ${openfaasDirVariable}=DIR), DIR holding the faasd 0.9.5 stack built by scripts/build-openfaas.sh`);
}
process.exitCode = code;
