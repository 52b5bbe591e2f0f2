/**
 * `tczbuild test containerd faasd` on the stand-in box (TCG): the real tce-load installs containerd.tcz
 * (Debian's binaries) through its whole .dep closure — iptables.tcz and netfilter-KERNEL.tcz from
 * the stand-in upstream through `--upstream`, overlayfs-KERNEL.tcz built by `kernel-module build`
 * — with -KERNEL resolved to the guest's release; then containerd's test: steps start cgroupfs and
 * containerd, and run a container with overlayfs and with a CNI bridge that reaches 10.0.2.2;
 * faasd.tcz (stub faasd, one image bundled from the local registry) is started by its generated
 * script, which imports the image into `default` under its pinned digest. One boot for the file.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tczbuild, type CliRun } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { makeImage, type FixtureImage } from '../images/helpers/oci-fixtures.js';
import { pushImage, startRegistry, type TestRegistry } from '../images/helpers/registry.js';
import { addFaasd, createBoxProject, type BoxProject } from './helpers/box-project.js';

let project: BoxProject;
let run: CliRun;
let registry: TestRegistry;
let image: FixtureImage;
let steps: Array<{ title: string; status: string; ms: number }>;

beforeAll(async () => {
  const dir = await testdir({}, { keep: true });
  registry = await startRegistry();
  image = await makeImage({ layers: [[{ name: 'srv/gateway', content: 'gateway 0.18.18\n' }]] });
  await pushImage(registry.url, 'openfaas/gateway', image, '0.18.18');
  project = await createBoxProject(dir);
  await addFaasd(project, registry.url, 'docker.io/openfaas/gateway:0.18.18');
  run = await tczbuild(['test', 'containerd', 'faasd', '--box', project.box, '--upstream', project.upstream.url, '--log-dir', 'log', '--json'], { cwd: dir });
  steps = run.events.filter((e) => (e.data as { box?: string } | undefined)?.box === 'step').map((e) => e.data as { title: string; status: string; ms: number });
}, 900_000);

afterAll(async () => {
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

  it('started faasd, whose generated script imported the bundled image into default under its pinned digest', async () => {
    const pinned = /digest: (sha256:[0-9a-f]{64})/.exec(await readFile(join(project.dir, 'recipes/faasd.yaml'), 'utf8'))![1]!;
    expect(pinned).toBe(image.manifest.digest);
    const log = await readFile(join(project.dir, 'log/console.log'), 'utf8');
    expect(log).toContain(`ok docker.io/openfaas/gateway:0.18.18 ${pinned}`);
    expect(steps.filter((s) => s.title.startsWith('faasd:')).map((s) => s.status)).toEqual(['pass', 'pass', 'pass']);
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
