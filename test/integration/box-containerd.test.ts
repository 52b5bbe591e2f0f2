/**
 * `tczbuild test containerd faasd` on the stand-in box (TCG): the real tce-load installs containerd.tcz
 * (Debian's binaries) through its whole .dep closure — iptables.tcz and netfilter-KERNEL.tcz from
 * the stand-in upstream through `--upstream`, overlayfs-KERNEL.tcz built by `kernel-module build`
 * — with -KERNEL resolved to the guest's release; then containerd's test: steps start cgroupfs and
 * containerd, and run a container with overlayfs and with a CNI bridge that reaches 10.0.2.2.
 * In the same boot, faasd.tcz with the real OpenFaaS stack of faasd 0.9.5 built from source
 * ($TCZBUILD_OPENFAAS_DIR; its absence fails the file) runs recipes/faasd.yaml's own test: steps:
 * the generated script starts it, every bundled image is there under its digest, the gateway is
 * healthy, faas-cli logs in with the generated password, the bundled sha512sum function deploys
 * with no registry, a second one is pulled through a relay on the box's 127.0.0.1:5000 (the only
 * plain-HTTP registry faasd 0.9.5 pulls from), sync and async invocations (with a callback)
 * answer, Prometheus counts them, stop leaves no core container, and a start again answers.
 */
import { createHash } from 'node:crypto';
import { copyFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tczbuild, type CliRun } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { addRealFaasd, createBoxProject, repoRoot, type BoxProject, type RealFaasd } from './helpers/box-project.js';
import { startLocalRegistry, type LocalRegistry } from '../../src/demo/registry.js';
import { noNetrc } from '../helpers/no-netrc.js';

let project: BoxProject;
let run: CliRun;
let registry: LocalRegistry;
let faasd: RealFaasd;
let steps: Array<{ title: string; status: string; ms: number }>;

beforeAll(async () => {
  const dir = await testdir({}, { keep: true });
  registry = await startLocalRegistry({ env: noNetrc() });
  project = await createBoxProject(dir);
  faasd = await addRealFaasd(project, registry.url);
  const port = new URL(registry.url).port;
  const fn = `${faasd.fn.repo}:${faasd.fn.tag}`;
  const started = Date.now();
  run = await tczbuild(
    ['test', 'containerd', 'faasd', '--box', project.box, '--upstream', project.upstream.url, '--log-dir', 'log', '--json', '--bound', '2700',
      '--env', `FAASD_REGISTRY_RELAY=10.0.2.2:${port}`, '--env', `FAASD_REGISTRY_IMAGE=${fn}`],
    { cwd: dir },
  );
  // the figure bench/box/faasd-real-stack.md quotes: the whole `tczbuild test` run under TCG
  console.log(`box run (containerd + real faasd) took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  steps = run.events.filter((e) => (e.data as { box?: string } | undefined)?.box === 'step').map((e) => e.data as { title: string; status: string; ms: number });
  for (const s of steps) console.log(`  ${s.status} ${(s.ms / 1000).toFixed(1).padStart(7)} s  ${s.title}`);
  // what faasd's init script said on start and stop (gateway wait, restarts of faasd up, containers faasd up left)
  const consoleText = await readFile(join(dir, 'log/console.log'), 'utf8').catch(() => '');
  for (const line of consoleText.split('\n').filter((l) => / out \d+ faasd: (gateway ready|faasd up left|no core container|faasd up (stopped|started)|faasd up.s proxy|gave up)/.test(l))) console.log(`  box: ${line.replace(/^.*@@tczbox\S* out /, '')}`);
  // afterAll removes the project: a failed run keeps its console log beside the other temp files
  if (run.code !== 0) {
    const kept = join(tmpdir(), `box-containerd-console-${Date.now()}.log`);
    await copyFile(join(dir, 'log/console.log'), kept).catch(() => undefined);
    console.log(`box run failed: console log kept at ${kept}`);
  }
}, 3_000_000);

afterAll(async () => {
  await faasd?.binServer.close();
  await project?.upstream.close();
  await registry?.stop();
  if (project) await rm(project.dir, { recursive: true, force: true });
});

describe('tczbuild test containerd faasd on the stand-in box', () => {
  it('passes every step and exits 0', () => {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(steps.map((s) => s.status)).toEqual(steps.map(() => 'pass'));
    expect(steps.map((s) => s.title)).toContain('containerd: run a container on a CNI bridge that reaches the host (10.0.2.2)');
  });

  it('installed the whole .dep closure with the real tce-load, -KERNEL resolved to the guest kernel', async () => {
    const log = await readFile(join(project.dir, 'log/console.log'), 'utf8');
    for (const tcz of ['iptables.tcz', `netfilter-${project.release}.tcz`, `overlayfs-${project.release}.tcz`, 'containerd.tcz']) {
      expect(log).toMatch(new RegExp(`@@tczbox:[0-9a-f]{16} out 2 ${tcz.replace(/\./g, '\\.')}: OK`));
    }
  });

  it('loaded the overlay module tczbuild built, and ran containers with overlayfs and over the CNI bridge', async () => {
    const log = await readFile(join(project.dir, 'log/console.log'), 'utf8');
    expect(log).toContain(`/lib/modules/${project.release}/kernel.tclocal/fs/overlayfs/overlay.ko`);
    expect(log).toMatch(/@@tczbox:[0-9a-f]{16} out \d+ hello from a container on 6\./);
    expect(log).toMatch(/@@tczbox:[0-9a-f]{16} out \d+ +inet 10\.77\.0\.\d+/);
    const md5 = (await readFile(join(project.tczDir, 'containerd.tcz.md5.txt'), 'utf8')).trim();
    expect(log).toContain(md5);
  });

  it('started the real faasd with the generated script, every bundled image under the digest pinned from the registry', async () => {
    const pinned = [...(await readFile(join(project.dir, 'recipes/faasd.yaml'), 'utf8')).matchAll(/ref: (\S+)\n(?:\s+namespace: \S+\n)?\s+digest: (sha256:[0-9a-f]{64})/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(pinned.sort()).toEqual(faasd.artifacts.images.map((i) => `${i.ref} ${i.digest}`).sort());
    const log = await readFile(join(project.dir, 'log/console.log'), 'utf8');
    for (const i of faasd.artifacts.images) expect(log).toContain(`ok ${i.ref} ${i.digest}`);
    expect(log).toContain(`imported ${faasd.fn.ref} into namespace openfaas-fn`);
    // start waited for the gateway at its container address before port 8080 was touched
    expect(log).toMatch(/faasd: gateway ready: gateway at 10\.62\.\d+\.\d+:8080, published on port 8080/);
    const faasdSteps = steps.filter((s) => s.title.startsWith('faasd:'));
    expect(faasdSteps.length).toBeGreaterThanOrEqual(12);
    expect(faasdSteps.map((s) => `${s.title} ${s.status}`)).toEqual(faasdSteps.map((s) => `${s.title} pass`));
  });

  it('deployed the bundled function offline and one pulled through 127.0.0.1:5000; both answered with the sha512 of their input, sync and async', async () => {
    const log = await readFile(join(project.dir, 'log/console.log'), 'utf8');
    const sha = (text: string) => createHash('sha512').update(text).digest('hex');
    expect(log).toMatch(/@@tczbox:[0-9a-f]{16} out \d+ credentials saved for admin http:\/\/127\.0\.0\.1:8080/);
    expect(log).toContain(`sha512sum answered ${sha('tczbuild')}`);
    expect(log).toContain(`pulled function answered ${sha('tczbuild-pulled')}`);
    expect(log).toContain(`127.0.0.1:5000/${faasd.fn.repo}:${faasd.fn.tag}`);
    expect(log).toContain(`callback received ${sha('tczbuild-async')}`);
    expect(log).toContain('invocations counted');
    expect(log).toContain('no core container left in namespace default');
    expect(log).toContain(`sha512sum answered again ${sha('tczbuild-again')}`);
  });

  it('faasd.tcz.build.json lists every bundled image with its digest and the registry it came from', async () => {
    const provenance = JSON.parse(await readFile(join(project.tczDir, 'faasd.tcz.build.json'), 'utf8')) as { images: Array<{ ref: string; digest: string; namespace: string; registry: string; pulledFrom: string }> };
    expect(provenance.images.map((i) => `${i.ref} ${i.digest} ${i.registry} ${i.pulledFrom}`).sort()).toEqual(faasd.artifacts.images.map((i) => `${i.ref} ${i.digest} docker.io ${registry.url}`).sort());
    expect(provenance.images.find((i) => i.ref === faasd.fn.ref)?.namespace).toBe('openfaas-fn');
  });

  it('recipes/ never carries the from-source hashes: they live only in the copy made here', async () => {
    const { readdir } = await import('node:fs/promises');
    const own = await Promise.all((await readdir(join(repoRoot, 'recipes'))).map((f) => readFile(join(repoRoot, 'recipes', f), 'utf8')));
    const fromSource = [...faasd.artifacts.images.map((i) => i.digest.slice(7)), ...(await Promise.all([faasd.artifacts.faasd, faasd.artifacts.faasCli].map(async (f) => createHash('sha256').update(await readFile(f)).digest('hex'))))];
    for (const h of fromSource) for (const text of own) expect(text).not.toContain(h);
  });

  it('still runs a container with --cni after faasd installed and started (no empty conflist left behind)', async () => {
    expect(steps.find((s) => s.title === 'faasd: a container still runs on a CNI bridge after faasd started')?.status).toBe('pass');
    const log = await readFile(join(project.dir, 'log/console.log'), 'utf8');
    expect(log).toMatch(/@@tczbox:[0-9a-f]{16} out \d+ +inet 10\.78\.0\.\d+/);
    expect(log).not.toMatch(/unexpected end of JSON input/);
  });

  it('prints one line per step with its duration and where the console log is', () => {
    const consoleLog = join(project.dir, 'log/console.log');
    expect(run.events.find((e) => e.type === 'info' && (e.data as { box?: string } | undefined)?.box === 'summary')).toMatchObject({ data: { ok: true, consoleLog } });
    expect(run.events.at(-1)).toMatchObject({ type: 'result', command: 'test', ok: true, exitCode: 0, passed: steps.length, consoleLog });
    for (const s of steps) expect(s.ms).toBeGreaterThanOrEqual(0);
  });
});
