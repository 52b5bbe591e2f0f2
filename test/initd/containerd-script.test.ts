import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { recipeFromYaml, recipeHead, target } from './helpers/recipe.js';
import { makeSandbox } from './helpers/sandbox.js';

const script = 'usr/local/etc/init.d/containerd';

function containerdFiles(extra = '') {
  const recipe = recipeFromYaml(`${recipeHead('containerd')}services:
  containerd:
    kind: containerd
    requires: [cgroupfs]
    modules: [overlay, br_netfilter, veth]
    sysctl: { net.ipv4.conf.all.forwarding: "1" }
    ready-timeout: 2
    stop-timeout: 3
    ulimit-nofile: 4096
    # Raising needs no privilege; lowering below 0 needs CAP_SYS_RESOURCE, which CI may lack.
    oom-score-adj: 500
${extra}`);
  // Only the containerd script: cgroupfs is replaced by a recording stand-in.
  return generateInitFiles(recipe, target).filter((f) => f.path === script || f.path.includes('tce.installed'));
}

async function sandbox(extra = '') {
  const sb = await makeSandbox(containerdFiles(extra));
  await sb.stubService('cgroupfs');
  return sb;
}

describe('containerd init script under busybox ash', () => {
  it('start prepares the host, starts one daemon, and a second start starts none', async () => {
    const sb = await sandbox();
    const first = await sb.run(script, 'start');
    expect(first.stdout).toMatch(/containerd: running \(pid \d+\)/);
    expect(first.code).toBe(0);
    const second = await sb.run(script, 'start');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already running/);
    const calls = await sb.calls();
    const daemons = calls.filter((c) => c.startsWith('containerd --root'));
    expect(daemons).toEqual([
      `containerd --root ${sb.root}/var/lib/containerd --state ${sb.root}/run/containerd --address ${sb.root}/run/containerd/containerd.sock nofile=4096`,
    ]);
    expect(calls.slice(0, 4)).toEqual(['init.d/cgroupfs start', 'modprobe overlay', 'modprobe br_netfilter', 'modprobe veth']);
    expect(await sb.readRoot('proc/sys/net/ipv4/conf/all/forwarding')).toBe('1\n');
    const pid = (await sb.readRoot('var/run/containerd.pid')).trim();
    expect(await readFile(`/proc/${pid}/oom_score_adj`, 'utf8')).toBe("500\n");
    expect((await sb.run(script, 'status')).code).toBe(0);
  });

  it('stop sends TERM to the daemon, then status exits 3; stop when stopped exits 0', async () => {
    const sb = await sandbox();
    expect((await sb.run(script, 'stop')).code).toBe(0);
    expect((await sb.run(script, 'start')).code).toBe(0);
    const stop = await sb.run(script, 'stop');
    expect(stop.stdout).toContain('containerd stopped');
    expect(stop.code).toBe(0);
    expect(await sb.calls()).toContain('containerd TERM');
    const status = await sb.run(script, 'status');
    expect(status.stdout).toContain('not running');
    expect(status.code).toBe(3);
    const again = await sb.run(script, 'stop');
    expect([again.code, again.stdout.trim()]).toEqual([0, 'containerd: containerd is not running']);
  });

  it('status run by an unprivileged user still sees the root daemon running', async () => {
    const sb = await sandbox();
    expect((await sb.run(script, 'start')).code).toBe(0);
    await chmod(join(sb.root, '..'), 0o755);
    const r = await sb.run(script, 'status', { uid: 65534 });
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/containerd: running \(pid \d+\)/)]);
  });

  it('status exits 3 when the pidfile names a process that is gone', async () => {
    const sb = await sandbox();
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(`${sb.root}/var/run`, { recursive: true });
    await writeFile(`${sb.root}/var/run/containerd.pid`, '999999\n');
    expect((await sb.run(script, 'status')).code).toBe(3);
  });

  it('a missing kernel module is a warning and start goes on', async () => {
    const sb = await sandbox();
    await sb.control('modprobe-missing-br_netfilter');
    const r = await sb.run(script, 'start');
    expect(r.stderr).toContain('containerd: warning: kernel module br_netfilter could not be loaded; continuing without it');
    expect(r.code).toBe(0);
    expect(await sb.calls()).toContain('modprobe veth');
  });

  it('gives up waiting for the socket after ready-timeout seconds with a clear message', async () => {
    const sb = await sandbox();
    await sb.control('containerd-never-ready');
    const began = Date.now();
    const r = await sb.run(script, 'start');
    const took = Date.now() - began;
    expect(r.stdout).toContain(`containerd: gave up waiting for an answer on ${sb.root}/run/containerd/containerd.sock after 2 s`);
    expect(r.code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(8000);
    const tries = (await sb.calls()).filter((c) => c.endsWith(' version')).length;
    expect(tries).toBeGreaterThanOrEqual(2);
    expect(tries).toBeLessThanOrEqual(4);
  });

  it('reports a daemon that dies while starting, with the end of its log', async () => {
    const sb = await sandbox();
    await sb.control('containerd-exit');
    const r = await sb.run(script, 'start');
    expect(r.stdout).toContain('containerd: exited while starting');
    expect(r.stdout).toContain('containerd: fatal: stub told to die');
    expect(r.code).toBe(1);
    expect((await sb.run(script, 'status')).code).toBe(3);
  });

  it('rejects unknown verbs with usage and exit 2', async () => {
    const sb = await sandbox();
    const r = await sb.run(script, 'reload');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('start|stop|restart|status');
  });

  it('the install hook creates the state directories and starts only autostart services', async () => {
    const sb = await sandbox('    autostart: true\n    state-dirs: [/var/lib/cni]\n');
    const r = await sb.run('usr/local/tce.installed/containerd');
    expect(r.code).toBe(0);
    for (const d of ['var/lib/containerd', 'run/containerd', 'var/lib/cni']) {
      await expect(readFile(`${sb.root}/${d}`)).rejects.toMatchObject({ code: 'EISDIR' });
    }
    expect((await sb.run(script, 'status')).code).toBe(0);
  });
});
