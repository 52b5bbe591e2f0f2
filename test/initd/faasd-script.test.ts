import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { recipeFromYaml, recipeHead, target } from './helpers/recipe.js';
import { makeSandbox, type Sandbox } from './helpers/sandbox.js';

const script = 'usr/local/etc/init.d/faasd';
const gateway = 'docker.io/openfaas/gateway:0.18.18';

function faasdRecipe(attempts = 3) {
  return recipeFromYaml(`${recipeHead('faasd', '0.9.5')}depends: [containerd]
images:
  - { ref: ${gateway}, digest: unpinned }
services:
  faasd:
    kind: faasd
    namespace: default
    requires: [containerd]
    autostart: true
    wait-containerd: 2
    import-attempts: ${attempts}
    import-delay: 1
    stop-timeout: 3
    copy:
      - { from: /usr/local/share/faasd/docker-compose.yaml, to: /var/lib/faasd/docker-compose.yaml }
`);
}

/** A sandbox with the faasd script, a running stub containerd and the gateway tarball shipped. */
async function sandbox(attempts = 3): Promise<Sandbox> {
  const sb = await makeSandbox(generateInitFiles(faasdRecipe(attempts), target));
  await sb.stubService('containerd');
  await sb.control('containerd-up');
  await writeRoot(sb, 'run/containerd/containerd.sock', '');
  // The stub ctr "imports" a tarball by listing the text it contains.
  await writeRoot(sb, 'usr/local/share/faasd/images/gateway.tar', `${gateway}\n`);
  await writeRoot(sb, 'usr/local/share/faasd/docker-compose.yaml', 'version: "3.7"\n');
  return sb;
}

async function writeRoot(sb: Sandbox, path: string, content: string) {
  await mkdir(`${sb.root}/${path.replace(/\/[^/]+$/, '')}`, { recursive: true });
  await writeFile(`${sb.root}/${path}`, content);
}

/** Regular files under root, relative, excluding the fakes the sandbox plants (proc, sys). */
async function filesUnder(root: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => `${e.parentPath}/${e.name}`.slice(root.length + 1))
    .filter((p) => !/^(proc|sys)\//.test(p));
}

const imports = (calls: string[]) => calls.filter((c) => c.includes(' image import '));

describe('faasd init script under busybox ash', () => {
  it('retries a failing import exactly import-attempts times, says which attempt failed, then still starts faasd', async () => {
    const sb = await sandbox(3);
    await sb.control('import-failures', 'always');
    const r = await sb.run(script, 'start');
    const calls = await sb.calls();
    expect(imports(calls)).toEqual(Array(3).fill(`ctr --address ${sb.root}/run/containerd/containerd.sock -n default image import ${sb.root}/usr/local/share/faasd/images/gateway.tar`));
    for (const n of [1, 2, 3]) expect(r.stdout).toContain(`faasd: import of ${gateway} into namespace default failed (attempt ${n} of 3)`);
    expect(r.stderr).toContain(`faasd: warning: gave up importing ${gateway} after 3 attempts`);
    expect(r.code).toBe(0);
    expect(calls.filter((c) => c.startsWith('faasd '))).toHaveLength(2);
  });

  it('stops retrying as soon as the image is listed', async () => {
    const sb = await sandbox(5);
    await sb.control('import-failures', '1');
    const r = await sb.run(script, 'start');
    expect(imports(await sb.calls())).toHaveLength(2);
    expect(r.stdout).toContain(`faasd: imported ${gateway} into namespace default`);
    expect(r.code).toBe(0);
  });

  it('counts an import that exits 0 without listing the image as failed', async () => {
    const sb = await sandbox(2);
    await sb.control('import-silent');
    const r = await sb.run(script, 'import');
    expect(imports(await sb.calls())).toHaveLength(2);
    expect(r.code).toBe(1);
  });

  it('skips the import when the image is already there', async () => {
    const sb = await sandbox();
    await sb.control('images-default', `${gateway}\n`);
    const r = await sb.run(script, 'import');
    expect(imports(await sb.calls())).toEqual([]);
    expect(r.stdout).toContain('already in namespace default');
    expect(r.code).toBe(0);
  });

  it('starts provider then up, each once, in their working directories with the unit environment', async () => {
    const sb = await sandbox();
    expect((await sb.run(script, 'start')).code).toBe(0);
    const second = await sb.run(script, 'start');
    expect([second.code, second.stdout.trim()]).toEqual([0, 'faasd: already running']);
    const calls = await sb.calls();
    expect(calls[0]).toBe('init.d/containerd start');
    expect(calls.filter((c) => c.startsWith('faasd '))).toEqual([
      `faasd provider cwd=${sb.root}/var/lib/faasd-provider secret_mount_path=/var/lib/faasd/secrets basic_auth=true`,
      `faasd up cwd=${sb.root}/var/lib/faasd secret_mount_path= basic_auth=`,
    ]);
    expect((await sb.run(script, 'status')).code).toBe(0);
  });

  it('removes stale links into the extension where faasd writes, leaves those files for faasd to write, and refreshes copied files', async () => {
    const sb = await sandbox();
    await mkdir(`${sb.root}/var/lib/faasd-provider`, { recursive: true });
    await symlink('/tmp/tcloop/faasd/var/lib/faasd-provider/resolv.conf', `${sb.root}/var/lib/faasd-provider/resolv.conf`);
    expect((await sb.run(script, 'start')).code).toBe(0);
    // The stub faasd writes nothing, so whatever exists here now was made by the script.
    for (const f of ['var/lib/faasd/hosts', 'var/lib/faasd-provider/hosts', 'var/lib/faasd-provider/resolv.conf', 'etc/cni/net.d/10-openfaas.conflist']) {
      await expect(lstat(`${sb.root}/${f}`), f).rejects.toMatchObject({ code: 'ENOENT' });
    }
    expect(await readFile(`${sb.root}/var/lib/faasd/docker-compose.yaml`, 'utf8')).toBe('version: "3.7"\n');
  });

  it('pre-creates only files faasd cannot create itself, each for a stated reason', async () => {
    const sb = await sandbox();
    const before = new Set(await filesUnder(sb.root));
    expect((await sb.run('usr/local/tce.installed/faasd')).code).toBe(0);
    expect((await sb.run(script, 'start')).code).toBe(0);
    const made = (await filesUnder(sb.root)).filter((f) => !before.has(f));
    // path → why it must exist before faasd runs
    const reasons: Record<string, string> = {
      'var/lib/faasd/docker-compose.yaml': 'faasd up reads it from its working directory; only `faasd install` writes it (copy:)',
      'var/run/faasd-provider.pid': "the init script's own pidfile for status/stop",
      'var/run/faasd-up.pid': "the init script's own pidfile for status/stop",
      'var/log/faasd-provider.log': "the daemon's output, appended by the init script",
      'var/log/faasd-up.log': "the daemon's output, appended by the init script",
    };
    expect(made.sort()).toEqual(Object.keys(reasons).sort());
  });

  it('stop sends TERM to up before provider; stop when stopped exits 0; status exits 3', async () => {
    const sb = await sandbox();
    expect((await sb.run(script, 'stop')).code).toBe(0);
    expect((await sb.run(script, 'start')).code).toBe(0);
    const stop = await sb.run(script, 'stop');
    expect(stop.code).toBe(0);
    expect((await sb.calls()).filter((c) => c.endsWith(' TERM'))).toEqual(['faasd up TERM', 'faasd provider TERM']);
    expect((await sb.run(script, 'status')).code).toBe(3);
    expect((await sb.run(script, 'stop')).code).toBe(0);
  });

  it('gives up waiting for containerd after wait-containerd seconds and starts nothing', async () => {
    const sb = await sandbox();
    const { rm } = await import('node:fs/promises');
    await rm(`${sb.ctl}/containerd-up`);
    const r = await sb.run(script, 'start');
    expect(r.stdout).toContain(`faasd: gave up waiting for containerd: no answer on ${sb.root}/run/containerd/containerd.sock after 2 s`);
    expect(r.code).toBe(1);
    expect((await sb.calls()).filter((c) => c.startsWith('faasd '))).toEqual([]);
  });

  it('reports a daemon that exits right after start', async () => {
    const sb = await sandbox();
    await sb.control('faasd-up-exit');
    const r = await sb.run(script, 'start');
    expect(r.stdout).toContain('faasd: faasd up exited right after start');
    expect(r.stdout).toContain('faasd up: fatal: stub told to die');
    expect(r.code).toBe(1);
    expect((await sb.run(script, 'status')).code).toBe(3);
  });

  it('the install hook leaves the CNI conflist to faasd (an empty one breaks containerd) and starts faasd (autostart: true)', async () => {
    const sb = await sandbox();
    expect((await sb.run('usr/local/tce.installed/faasd')).code).toBe(0);
    await expect(lstat(`${sb.root}/etc/cni/net.d/10-openfaas.conflist`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await lstat(`${sb.root}/etc/cni/net.d`)).isDirectory()).toBe(true);
    expect((await sb.run(script, 'status')).code).toBe(0);
  });
});
