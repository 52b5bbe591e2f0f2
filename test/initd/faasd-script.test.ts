import { chmod, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { describe, expect, it, vi, type TestContext } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { recipeFromYaml, recipeHead, target } from './helpers/recipe.js';
import { makeSandbox, type Sandbox } from './helpers/sandbox.js';

const script = 'usr/local/etc/init.d/faasd';
const compose = `version: "3.7"
services:
  gateway:
    image: docker.io/openfaas/gateway:0.18.18
    ports:
      - "8080:8080"
  nats:
    image: docker.io/library/nats-streaming:0.11.2
volumes: {}
`;
const gateway = 'docker.io/openfaas/gateway:0.18.18';

function faasdRecipe(attempts = 3, gatewaySetting = 'null') {
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
    gateway: ${gatewaySetting}
    copy:
      - { from: /usr/local/share/faasd/docker-compose.yaml, to: /var/lib/faasd/docker-compose.yaml }
`);
}

/**
 * A sandbox with the faasd script, a running stub containerd and the gateway tarball shipped.
 * `t` is the test's context: the tests run concurrently (each in its own sandbox, mostly waiting
 * on the script's sleeps), so cleanup must be tied to the test that made the sandbox.
 */
async function sandbox(t: TestContext, attempts = 3, gatewaySetting = 'null'): Promise<Sandbox> {
  const sb = await makeSandbox(generateInitFiles(faasdRecipe(attempts, gatewaySetting), target), { onFinished: t.onTestFinished });
  await sb.stubService('containerd');
  await sb.control('containerd-up');
  await writeRoot(sb, 'run/containerd/containerd.sock', '');
  // The stub ctr "imports" a tarball by listing the text it contains.
  await writeRoot(sb, 'usr/local/share/faasd/images/gateway.tar', `${gateway}\n`);
  await writeRoot(sb, 'usr/local/share/faasd/docker-compose.yaml', compose);
  // what the stub `faasd up` creates as containers in namespace default
  await sb.control('core-containers', 'gateway\nnats\n');
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

// Concurrent: every test has its own sandbox and spends its time in the script's waits (a second
// watching each daemon it starts, import delays, stop timeouts), not on the CPU. The timeout is a
// hang guard: with the rest of the suite side by side on 2 busy cores, one test took 40 s.
const hangGuard = 90_000;
describe('faasd init script under busybox ash', { timeout: hangGuard, concurrent: true }, () => {
  it('retries a failing import exactly import-attempts times, says which attempt failed, then still starts faasd', async (t) => {
    const sb = await sandbox(t, 3);
    await sb.control('import-failures', 'always');
    const r = await sb.run(script, 'start');
    const calls = await sb.calls();
    expect(imports(calls)).toEqual(Array(3).fill(`ctr --address ${sb.root}/run/containerd/containerd.sock -n default image import ${sb.root}/usr/local/share/faasd/images/gateway.tar`));
    for (const n of [1, 2, 3]) expect(r.stdout).toContain(`faasd: import of ${gateway} into namespace default failed (attempt ${n} of 3)`);
    expect(r.stderr).toContain(`faasd: warning: gave up importing ${gateway} after 3 attempts`);
    expect(r.code).toBe(0);
    expect(calls.filter((c) => c.startsWith('faasd '))).toHaveLength(2);
  });

  it('stops retrying as soon as the image is listed', async (t) => {
    const sb = await sandbox(t, 5);
    await sb.control('import-failures', '1');
    const r = await sb.run(script, 'start');
    expect(imports(await sb.calls())).toHaveLength(2);
    expect(r.stdout).toContain(`faasd: imported ${gateway} into namespace default`);
    expect(r.code).toBe(0);
  });

  it('counts an import that exits 0 without listing the image as failed', async (t) => {
    const sb = await sandbox(t, 2);
    await sb.control('import-silent');
    const r = await sb.run(script, 'import');
    expect(imports(await sb.calls())).toHaveLength(2);
    expect(r.code).toBe(1);
  });

  it('skips the import when the image is already there', async (t) => {
    const sb = await sandbox(t);
    await sb.control('images-default', `${gateway}\n`);
    const r = await sb.run(script, 'import');
    expect(imports(await sb.calls())).toEqual([]);
    expect(r.stdout).toContain('already in namespace default');
    expect(r.code).toBe(0);
  });

  it('starts provider then up, each once, in their working directories with the unit environment', async (t) => {
    const sb = await sandbox(t);
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

  it('removes stale links into the extension where faasd writes, leaves those files for faasd to write, and refreshes copied files', async (t) => {
    const sb = await sandbox(t);
    await mkdir(`${sb.root}/var/lib/faasd-provider`, { recursive: true });
    await symlink('/tmp/tcloop/faasd/var/lib/faasd-provider/resolv.conf', `${sb.root}/var/lib/faasd-provider/resolv.conf`);
    expect((await sb.run(script, 'start')).code).toBe(0);
    // The stub faasd writes nothing, so whatever exists here now was made by the script.
    for (const f of ['var/lib/faasd/hosts', 'var/lib/faasd-provider/hosts', 'var/lib/faasd-provider/resolv.conf', 'etc/cni/net.d/10-openfaas.conflist']) {
      await expect(lstat(`${sb.root}/${f}`), f).rejects.toMatchObject({ code: 'ENOENT' });
    }
    expect(await readFile(`${sb.root}/var/lib/faasd/docker-compose.yaml`, 'utf8')).toBe(compose);
  });

  it('pre-creates only files faasd cannot create itself, each for a stated reason', async (t) => {
    const sb = await sandbox(t);
    const before = new Set(await filesUnder(sb.root));
    expect((await sb.run('usr/local/tce.installed/faasd')).code).toBe(0);
    expect((await sb.run(script, 'start')).code).toBe(0);
    const made = (await filesUnder(sb.root)).filter((f) => !before.has(f));
    // path → why it must exist before faasd runs
    const reasons: Record<string, string> = {
      'var/lib/faasd/docker-compose.yaml': 'faasd up reads it from its working directory; only `faasd install` writes it (copy:)',
      'var/lib/faasd/secrets/basic-auth-user': 'the provider reads it at start and exits without it; only `faasd install` writes it before then',
      'var/lib/faasd/secrets/basic-auth-password': 'the provider reads it at start and exits without it; only `faasd install` writes it before then',
      'var/lib/faasd/resolv.conf': 'faasd up bind-mounts it into every core container; only `faasd install` writes it',
      'var/run/faasd-provider.pid': "the init script's own pidfile for status/stop",
      'var/run/faasd-up.pid': "the init script's own pidfile for status/stop",
      'var/log/faasd-provider.log': "the daemon's output, appended by the init script",
      'var/log/faasd-up.log': "the daemon's output, appended by the init script",
    };
    expect(made.sort()).toEqual(Object.keys(reasons).sort());
  });

  it('stop sends TERM to up before provider; stop when stopped exits 0; status exits 3', async (t) => {
    const sb = await sandbox(t);
    expect((await sb.run(script, 'stop')).code).toBe(0);
    expect((await sb.run(script, 'start')).code).toBe(0);
    const stop = await sb.run(script, 'stop');
    expect(stop.code).toBe(0);
    expect((await sb.calls()).filter((c) => c.endsWith(' TERM'))).toEqual(['faasd up TERM', 'faasd provider TERM']);
    expect((await sb.run(script, 'status')).code).toBe(3);
    expect((await sb.run(script, 'stop')).code).toBe(0);
  });

  it('gives up waiting for containerd after wait-containerd seconds and starts nothing', async (t) => {
    const sb = await sandbox(t);
    const { rm } = await import('node:fs/promises');
    await rm(`${sb.ctl}/containerd-up`);
    const r = await sb.run(script, 'start');
    expect(r.stdout).toContain(`faasd: gave up waiting for containerd: no answer on ${sb.root}/run/containerd/containerd.sock after 2 s`);
    expect(r.code).toBe(1);
    expect((await sb.calls()).filter((c) => c.startsWith('faasd '))).toEqual([]);
  });

  it('reports a daemon that exits right after start', async (t) => {
    const sb = await sandbox(t);
    await sb.control('faasd-up-exit');
    const r = await sb.run(script, 'start');
    expect(r.stdout).toContain('faasd: faasd up exited right after start');
    expect(r.stdout).toContain('faasd up: fatal: stub told to die');
    expect(r.code).toBe(1);
    expect((await sb.run(script, 'status')).code).toBe(3);
  });

  it('the install hook leaves the CNI conflist to faasd (an empty one breaks containerd) and starts faasd (autostart: true)', async (t) => {
    const sb = await sandbox(t);
    expect((await sb.run('usr/local/tce.installed/faasd')).code).toBe(0);
    await expect(lstat(`${sb.root}/etc/cni/net.d/10-openfaas.conflist`)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await lstat(`${sb.root}/etc/cni/net.d`)).isDirectory()).toBe(true);
    expect((await sb.run(script, 'status')).code).toBe(0);
  });

  it('writes the basic-auth secrets as faasd install does before the provider starts: admin, 63 letters and digits with 10 digits, 0644 in a root-only directory', async (t) => {
    const sb = await sandbox(t);
    const r = await sb.run(script, 'start');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // the stub provider listed the directory the moment it started
    const seen = await readFile(`${sb.ctl}/provider-saw-secrets`, 'utf8');
    expect(seen).toMatch(/^-rw-r--r-- .* basic-auth-password$/m);
    expect(seen).toMatch(/^-rw-r--r-- .* basic-auth-user$/m);
    expect(await sb.readRoot('var/lib/faasd/secrets/basic-auth-user')).toBe('admin');
    const password = await sb.readRoot('var/lib/faasd/secrets/basic-auth-password');
    expect(password).toMatch(/^[A-Za-z0-9]{63}$/);
    expect(password.replace(/[^0-9]/g, '')).toHaveLength(10);
    expect(/[a-z]/.test(password) && /[A-Z]/.test(password)).toBe(true);
    expect((await stat(`${sb.root}/var/lib/faasd/secrets`)).mode & 0o777).toBe(0o700);
    expect(r.stdout).toContain('faasd: wrote a new gateway password: sudo cat /var/lib/faasd/secrets/basic-auth-password');
  });

  it('keeps the password across stop and start, and repairs a restored file mode; another box gets another password', async (t) => {
    const sb = await sandbox(t);
    expect((await sb.run(script, 'start')).code).toBe(0);
    const first = await sb.readRoot('var/lib/faasd/secrets/basic-auth-password');
    expect((await sb.run(script, 'stop')).code).toBe(0);
    await chmod(`${sb.root}/var/lib/faasd/secrets/basic-auth-password`, 0o600);
    const again = await sb.run(script, 'start');
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('wrote a new gateway password');
    expect(await sb.readRoot('var/lib/faasd/secrets/basic-auth-password')).toBe(first);
    expect((await stat(`${sb.root}/var/lib/faasd/secrets/basic-auth-password`)).mode & 0o777).toBe(0o644);
    const other = await sandbox(t);
    expect((await other.run(script, 'start')).code).toBe(0);
    expect(await other.readRoot('var/lib/faasd/secrets/basic-auth-password')).not.toBe(first);
  });

  it("writes the core containers' resolv.conf from the box's own DNS, without loopback servers, on every start", async (t) => {
    const sb = await sandbox(t);
    await writeRoot(sb, 'etc/resolv.conf', '# udhcpc\nsearch lan\nnameserver 127.0.0.1\nnameserver 10.0.2.3\nnameserver ::1\n');
    expect((await sb.run(script, 'start')).code).toBe(0);
    expect(await sb.readRoot('var/lib/faasd/resolv.conf')).toBe('search lan\nnameserver 10.0.2.3\n');
    await sb.run(script, 'stop');
    await writeRoot(sb, 'etc/resolv.conf', 'nameserver 192.168.1.1\n');
    expect((await sb.run(script, 'start')).code).toBe(0);
    expect(await sb.readRoot('var/lib/faasd/resolv.conf')).toBe('nameserver 192.168.1.1\n');
  });

  it('says so when the box has no usable nameserver, and still starts', async (t) => {
    const sb = await sandbox(t);
    await writeRoot(sb, 'etc/resolv.conf', 'nameserver 127.0.0.1\n');
    const r = await sb.run(script, 'start');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no usable nameserver');
    expect(await sb.readRoot('var/lib/faasd/resolv.conf')).toBe('');
  });

  it('stop waits while faasd up removes its containers, then finds none left; a second start runs both daemons again', async (t) => {
    const sb = await sandbox(t);
    await sb.control('up-stop-delay', '2');
    expect((await sb.run(script, 'start')).code).toBe(0);
    expect(await readFile(`${sb.ctl}/containers-default`, 'utf8')).toBe('gateway\nnats\n');
    const stop = await sb.run(script, 'stop');
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toContain('faasd: no core container left in namespace default');
    const start = await sb.run(script, 'start');
    expect(start.code, start.stdout + start.stderr).toBe(0);
    expect((await sb.run(script, 'status')).code).toBe(0);
    expect((await sb.calls()).filter((c) => /^faasd (provider|up) cwd/.test(c))).toHaveLength(4);
  });

  it('stop removes the core containers faasd up left (task killed and deleted, then the container), naming each', async (t) => {
    const sb = await sandbox(t);
    await sb.control('up-leaves-containers');
    expect((await sb.run(script, 'start')).code).toBe(0);
    const stop = await sb.run(script, 'stop');
    expect(stop.code, stop.stdout + stop.stderr).toBe(0);
    expect(stop.stdout).toContain('faasd: faasd up left container gateway: removing it');
    expect(stop.stdout).toContain('faasd: faasd up left container nats: removing it');
    expect(stop.stdout).toContain('faasd: no core container left in namespace default');
    const removal = (await sb.calls()).filter((c) => / (task delete|container delete) /.test(c)).map((c) => c.replace(/^ctr --address \S+ /, ''));
    expect(removal).toEqual(['-n default task delete -f gateway', '-n default container delete gateway', '-n default task delete -f nats', '-n default container delete nats']);
    expect(await readFile(`${sb.ctl}/containers-default`, 'utf8')).toBe('');
  });

  it('stop fails and names the core containers it could not remove either', async (t) => {
    const sb = await sandbox(t);
    await sb.control('up-leaves-containers');
    await sb.control('ctr-delete-fails');
    expect((await sb.run(script, 'start')).code).toBe(0);
    const stop = await sb.run(script, 'stop');
    expect(stop.stderr).toContain('faasd: warning: could not delete container gateway');
    expect(stop.stdout).toContain('faasd: faasd up left containers in namespace default: gateway nats');
    expect(stop.code).toBe(1);
  });

  it('stop fails when faasd up is still removing containers after stop-timeout, and leaves it running', async (t) => {
    const sb = await sandbox(t);
    await sb.control('up-stop-delay', '30');
    expect((await sb.run(script, 'start')).code).toBe(0);
    const stop = await sb.run(script, 'stop');
    expect(stop.stdout).toMatch(/faasd: faasd up is still running 3 s after TERM \(pid \d+\)/);
    expect(stop.code).toBe(1);
  });
});

/**
 * faasd 0.9.5's proxy closes its published port for good when the first request it accepts
 * cannot reach the gateway yet: start waits for the gateway at its container address (from the
 * hosts file faasd up writes), and touches the published port only after that.
 */
describe('faasd init script: start waits for the gateway before its published port', { timeout: hangGuard, concurrent: true }, () => {
  interface Http {
    readonly port: number;
    /** when each request arrived */
    readonly hits: number[];
    /** answer 503 to this many requests to /healthz first, then 200 */
    refuse: number;
    /** a file; while it exists, every connection is dropped unanswered (faasd up's proxy after it closed) */
    closedWhile: string | undefined;
    close(): Promise<void>;
  }
  async function http(t: TestContext): Promise<Http> {
    const { createServer } = await import('node:http');
    const { existsSync } = await import('node:fs');
    const h = { hits: [] as number[], refuse: 0, closedWhile: undefined as string | undefined, port: 0, close: async () => {} };
    const server = createServer((req, res) => {
      h.hits.push(Date.now());
      if (h.closedWhile !== undefined && existsSync(h.closedWhile)) {
        req.socket.destroy();
        return;
      }
      const ok = req.url === '/healthz' && h.hits.length > h.refuse;
      res.writeHead(ok ? 200 : 503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    h.port = (server.address() as { port: number }).port;
    h.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    t.onTestFinished(() => h.close());
    return h;
  }
  /** A port nothing listens on: faasd up's proxy after it closed. */
  async function closedPort(t: TestContext): Promise<number> {
    const h = await http(t);
    await h.close();
    return h.port;
  }
  const withGateway = (direct: number, published: number, timeout = 20, restarts?: number) =>
    `{ port: ${direct}, published-port: ${published}, ready-timeout: ${timeout}${restarts === undefined ? '' : `, proxy-restarts: ${restarts}`} }`;
  const upStarts = (calls: string[]) => calls.filter((c) => c.startsWith('faasd up cwd='));
  const restartSaid = (port: number, n: number, of: number) =>
    `faasd: faasd up's proxy on port ${port} closed after it failed to dial gateway (faasd 0.9.5 never reopens it); restarting faasd up (restart ${n} of ${of})`;

  it('polls the gateway at the address faasd up wrote into hosts until it answers, and only then the published port', async (t) => {
    const gateway = await http(t);
    const proxy = await http(t);
    gateway.refuse = 2;
    const sb = await sandbox(t, 3, withGateway(gateway.port, proxy.port));
    await sb.control('up-hosts', '\n127.0.0.1\tlocalhost\n10.62.0.1\tfaasd-provider\n127.0.0.1\tgateway\n');
    await sb.control('up-hosts-delay', '2');
    const r = await sb.run(script, 'start');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`faasd: gateway ready: gateway at 127.0.0.1:${gateway.port}, published on port ${proxy.port}`);
    // the first start has no faasd up log yet: nothing to complain about
    expect(r.stderr).not.toContain("can't open");
    // two refusals, then the answer that let start go on to the published port
    expect(gateway.hits).toHaveLength(3);
    expect(proxy.hits).toHaveLength(1);
    expect(proxy.hits[0]!).toBeGreaterThanOrEqual(gateway.hits[2]!);
  });

  it('reads the address only from the hosts file of this start, not one a previous run left', async (t) => {
    const gateway = await http(t);
    const proxy = await http(t);
    const sb = await sandbox(t, 3, withGateway(gateway.port, proxy.port, 3));
    const { mkdir: mk } = await import('node:fs/promises');
    await mk(`${sb.root}/var/lib/faasd`, { recursive: true });
    await writeFile(`${sb.root}/var/lib/faasd/hosts`, '127.0.0.1\tgateway\n');
    const r = await sb.run(script, 'start');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`faasd: faasd up did not start gateway within 3 s (no address for it in ${sb.root}/var/lib/faasd/hosts)`);
    expect(gateway.hits).toEqual([]);
    expect(proxy.hits).toEqual([]);
  });

  it("fails naming the gateway's address when it never answers, with faasd up's log of this start", async (t) => {
    const gateway = await http(t);
    const proxy = await http(t);
    gateway.refuse = 1000;
    const sb = await sandbox(t, 3, withGateway(gateway.port, proxy.port, 3));
    await writeRoot(sb, 'var/log/faasd-up.log', 'a line from an earlier run\n');
    await sb.control('up-hosts', '127.0.0.1\tgateway\n');
    await sb.control('up-log', 'Supervisor init done in: 2m9s\n');
    const r = await sb.run(script, 'start');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`faasd: gateway at 127.0.0.1:${gateway.port} did not answer /healthz within 3 s`);
    expect(r.stdout).toContain('--- faasd up log since this start');
    expect(r.stdout).toContain('Supervisor init done in: 2m9s');
    expect(r.stdout).not.toContain('a line from an earlier run');
    expect(proxy.hits).toEqual([]);
  });

  it('says at once when faasd up exits while starting the core containers', async (t) => {
    const gateway = await http(t);
    const sb = await sandbox(t, 3, withGateway(gateway.port, await closedPort(t)));
    await sb.control('up-exit-after', '2');
    const r = await sb.run(script, 'start');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('faasd: faasd up exited while starting the core containers');
    expect(r.stdout).toContain('faasd up: Error creating CNI for gateway');
  });

  /** The gateway, faasd up's proxy closed while the stub faasd up says so, and a sandbox with both. */
  async function proxied(t: TestContext, restarts?: number) {
    const gateway = await http(t);
    const proxy = await http(t);
    const sb = await sandbox(t, 3, withGateway(gateway.port, proxy.port, 20, restarts));
    proxy.closedWhile = `${sb.ctl}/proxy-closed`;
    await sb.control('up-hosts', '127.0.0.1\tgateway\n');
    return { gateway, proxy, sb };
  }

  it('restarts faasd up when its proxy closed after a failed dial, and serves after the restart', async (t) => {
    const { gateway, proxy, sb } = await proxied(t);
    await sb.control('up-proxy-closes', '1');
    await sb.control('up-leaves-containers');
    const r = await sb.run(script, 'start');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(restartSaid(proxy.port, 1, 2));
    // what the stopped faasd up left is removed before it starts again, as stop does
    expect(r.stdout).toContain('faasd: faasd up left container gateway: removing it');
    expect(r.stdout).not.toContain('restart 2 of 2');
    expect(r.stdout).toContain(`faasd: gateway ready: gateway at 127.0.0.1:${gateway.port}, published on port ${proxy.port}`);
    const calls = await sb.calls();
    expect(upStarts(calls)).toHaveLength(2);
    // faasd up alone was stopped; the provider kept running
    expect(calls.filter((c) => c.endsWith(' TERM'))).toEqual(['faasd up TERM']);
    expect(calls.filter((c) => c.startsWith('faasd provider '))).toHaveLength(1);
    expect((await sb.run(script, 'status')).code).toBe(0);
  });

  it('gives up after proxy-restarts restarts when the proxy closes at every start, with faasd up\'s log of the last one', async (t) => {
    const { proxy, sb } = await proxied(t);
    await sb.control('up-proxy-closes', 'always');
    const r = await sb.run(script, 'start');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(restartSaid(proxy.port, 1, 2));
    expect(r.stdout).toContain(restartSaid(proxy.port, 2, 2));
    expect(r.stdout).not.toContain('restart 3 of');
    expect(r.stdout).toMatch(
      new RegExp(`faasd: gave up: faasd up's proxy on port ${proxy.port} closed again after 2 restarts of faasd up, each time after it failed to dial gateway \\(faasd 0\\.9\\.5 never reopens it\\); faasd up's log below says why the dial failed: fix that, then run \\S+ restart`),
    );
    const log = r.stdout.slice(r.stdout.indexOf('--- faasd up log since this start'));
    expect(log.match(/unable to dial/g)).toHaveLength(1);
    const calls = await sb.calls();
    expect(upStarts(calls)).toHaveLength(3);
    expect(calls.filter((c) => c === 'faasd up TERM')).toHaveLength(2);
  });

  it('fails at once, restarting nothing, with proxy-restarts: 0', async (t) => {
    const { proxy, sb } = await proxied(t, 0);
    await sb.control('up-proxy-closes', 'always');
    const r = await sb.run(script, 'start');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('restarting faasd up');
    expect(r.stdout).toMatch(new RegExp(`faasd: gave up: faasd up's proxy on port ${proxy.port} closed after it failed to dial gateway \\(faasd 0\\.9\\.5 never reopens it\\)`));
    expect(r.stdout).toContain('--- faasd up log since this start');
    const calls = await sb.calls();
    expect(upStarts(calls)).toHaveLength(1);
    expect(calls).not.toContain('faasd up TERM');
  });

  it('checks the gateway when it finds both daemons already running, and says so', async (t) => {
    const gateway = await http(t);
    const proxy = await http(t);
    const sb = await sandbox(t, 3, withGateway(gateway.port, proxy.port));
    await sb.control('up-hosts', '127.0.0.1\tgateway\n');
    expect((await sb.run(script, 'start')).code).toBe(0);
    const [gatewayHits, proxyHits] = [gateway.hits.length, proxy.hits.length];
    const again = await sb.run(script, 'start');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('faasd: already running');
    expect(again.stdout).toContain(`faasd: gateway ready: gateway at 127.0.0.1:${gateway.port}, published on port ${proxy.port}`);
    // asked again, the container address first, as a fresh start does
    expect(gateway.hits.length).toBe(gatewayHits + 1);
    expect(proxy.hits.length).toBe(proxyHits + 1);
    expect(proxy.hits.at(-1)!).toBeGreaterThanOrEqual(gateway.hits.at(-1)!);
    expect(imports(await sb.calls()).length).toBe(1); // nothing else of a start is done again
  });

  it("restarts faasd up when a start finds both daemons running but faasd up's proxy closed since, judging by faasd up's log of the start that runs", async (t) => {
    const { gateway, proxy, sb } = await proxied(t);
    // an earlier run's closed proxy is no reason to restart this one
    await writeRoot(sb, 'var/log/faasd-up.log', 'unable to dial, in a line from an earlier run\n');
    const first = await sb.run(script, 'start');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).not.toContain('restarting faasd up');
    // then a request reached the proxy when it could not dial the gateway
    const { appendFile } = await import('node:fs/promises');
    await appendFile(`${sb.root}/var/log/faasd-up.log`, 'unable to dial to 10.62.0.5:8080, error: dial tcp 10.62.0.5:8080: connect: connection refused\n');
    await sb.control('proxy-closed');
    const again = await sb.run(script, 'start');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('faasd: already running');
    expect(again.stdout).toContain(restartSaid(proxy.port, 1, 2));
    expect(again.stdout).toContain(`faasd: gateway ready: gateway at 127.0.0.1:${gateway.port}, published on port ${proxy.port}`);
    const calls = await sb.calls();
    expect(upStarts(calls)).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('faasd provider '))).toHaveLength(1);
    expect(imports(calls)).toHaveLength(1); // nothing else of a start is done again
  });

  it('restarts only the provider when faasd up still runs, keeping the hosts file faasd up wrote', async (t) => {
    const gateway = await http(t);
    const proxy = await http(t);
    const sb = await sandbox(t, 3, withGateway(gateway.port, proxy.port, 3));
    await sb.control('up-hosts', '127.0.0.1\tgateway\n');
    expect((await sb.run(script, 'start')).code).toBe(0);
    process.kill(Number(await readFile(`${sb.root}/var/run/faasd-provider.pid`, 'utf8')), 'SIGKILL');
    const again = await sb.run(script, 'start');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/faasd: faasd up is already running \(pid \d+\)/);
    expect(again.stdout).toContain(`faasd: gateway ready: gateway at 127.0.0.1:${gateway.port}, published on port ${proxy.port}`);
    // the restarted provider records its call from the background, possibly after start returned
    // (the gateway already answers, so start does not wait): give it the moment it takes
    await vi.waitFor(async () => expect((await sb.calls()).filter((c) => c.startsWith('faasd '))).toHaveLength(3), { timeout: 10_000, interval: 100 }); // provider, up, provider
  });
});
