/**
 * The `services:` section of a recipe: SysV init scripts tczbuild generates (src/initd). Each
 * key is a script name under /usr/local/etc/init.d; `kind` picks the template, every path and
 * knob the script uses is a field here with the upstream default. Pure: shape and defaults
 * only; what a field means at run time lives in src/initd.
 */
import { z } from 'zod';

/**
 * Absolute paths on the box. Restricted to characters that need no shell quoting, because the
 * generated scripts put them inside double quotes after a `$ROOT` prefix.
 */
const boxPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._+@/-]*$/, 'an absolute path on the box made of letters, digits and . _ + @ - /')
  .describe('absolute path on the running TinyCore box');

const seconds = (fallback: number, what: string) =>
  z.number().int().min(0).max(3600).default(fallback).describe(what);

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const envMap = z.record(envName, z.string()).describe('environment variables set for the daemon');
const args = z.array(z.string()).describe('extra command-line arguments');

/** Fields every long-running service shares. */
const daemonCommon = {
  autostart: z.boolean().default(false).describe('start the service from the tce.installed hook when the extension is loaded'),
  requires: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/))
    .default([])
    .describe('init scripts (names under /usr/local/etc/init.d) to start first, e.g. [cgroupfs]'),
  'state-dirs': z.array(boxPath).default([]).describe('writable directories created on every start and by the install hook'),
  'stop-timeout': seconds(10, 'seconds stop waits for the daemon to exit after TERM'),
};

const cgroupfs = z.strictObject({
  kind: z.literal('cgroupfs').describe('mount a tmpfs and one cgroup v1 hierarchy per enabled controller'),
  mountpoint: boxPath.default('/sys/fs/cgroup'),
  controllers: z
    .array(z.string().regex(/^[a-z0-9_]+$/))
    .optional()
    .describe('controllers to mount; default every enabled controller in /proc/cgroups'),
  'use-hierarchy': z.boolean().default(true).describe('write 1 to memory/memory.use_hierarchy, as systemd does'),
  autostart: daemonCommon.autostart,
});

const containerd = z.strictObject({
  kind: z.literal('containerd').describe('containerd daemon with pidfile, log, readiness wait'),
  command: z.string().min(1).default('containerd').describe('program to run (looked up on PATH, /usr/local/bin included)'),
  args: args.default([]),
  config: boxPath.optional().describe('config.toml passed with --config when the file exists'),
  root: boxPath.default('/var/lib/containerd').describe('persistent state (content store, snapshots)'),
  state: boxPath.default('/run/containerd').describe('runtime state'),
  socket: boxPath.default('/run/containerd/containerd.sock').describe('gRPC socket; ctr waits on it'),
  pidfile: boxPath.default('/var/run/containerd.pid'),
  log: boxPath.default('/var/log/containerd.log'),
  modules: z.array(z.string().regex(/^[a-zA-Z0-9_-]+$/)).default([]).describe('kernel modules to load first; a missing one is a warning'),
  sysctl: z
    .record(z.string().regex(/^[a-z0-9_]+(\.[a-zA-Z0-9_-]+)+$/), z.string().regex(/^[A-Za-z0-9 ._-]*$/))
    .default({})
    .describe('kernel parameters to set first, e.g. net.ipv4.conf.all.forwarding: "1"'),
  'oom-score-adj': z.number().int().min(-1000).max(1000).default(-999).describe('written to /proc/<pid>/oom_score_adj after start'),
  'ulimit-nofile': z.union([z.number().int().min(1024), z.literal('unlimited')]).default(1048576).describe('open files limit'),
  'ready-timeout': seconds(30, 'seconds start waits for the socket to answer `ctr version`'),
  ...daemonCommon,
});

const faasdDaemon = (sub: 'provider' | 'up', cwd: string, env: Record<string, string>) =>
  z
    .strictObject({
      args: args.default([]),
      cwd: boxPath.default(cwd).describe('working directory (faasd writes relative paths there)'),
      env: envMap.default(env),
      pidfile: boxPath.default(`/var/run/faasd-${sub}.pid`),
      log: boxPath.default(`/var/log/faasd-${sub}.log`),
    })
    .default({ args: [], cwd, env, pidfile: `/var/run/faasd-${sub}.pid`, log: `/var/log/faasd-${sub}.log` })
    .describe(`how \`faasd ${sub}\` runs`);

const copyFile = z.strictObject({
  from: boxPath.describe('file shipped in the extension'),
  to: boxPath.describe('writable copy made on every start'),
});

const tcpPort = z.number().int().min(1).max(65535);

// faasd 0.9.5 (pkg/proxy.go) starts listening on a published port only once every core
// container has started, then closes that port for good if the first request it accepts cannot
// reach the container yet (it returns from its accept loop; upstream fixed this in 2025, commit
// d7e0beb "Fix for proxy exiting early"). Under emulation the gateway takes minutes to listen,
// so start waits for the gateway itself, at its container address, before anything is sent to
// the published port. Even then the proxy's own dial can fail (seen under emulation: "no route
// to host" right after the gateway answered at its address), so start restarts faasd up a few
// times when the proxy closed.
const gatewayDefaults = { service: 'gateway', port: 8080, 'published-port': 8080, path: '/healthz', 'ready-timeout': 300, 'proxy-restarts': 2 };
const gateway = z
  .strictObject({
    service: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).default(gatewayDefaults.service).describe('the compose service faasd up proxies to (its IP is read from <up cwd>/hosts)'),
    port: tcpPort.default(gatewayDefaults.port).describe('the port the gateway listens on inside its container (compose target port)'),
    'published-port': tcpPort.default(gatewayDefaults['published-port']).describe("the box port faasd up's proxy listens on (compose published port)"),
    path: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/).default(gatewayDefaults.path).describe('an HTTP path that answers 2xx once the gateway serves'),
    'ready-timeout': seconds(gatewayDefaults['ready-timeout'], 'seconds start waits for the gateway and then the published port to answer, counted anew at each (re)start of faasd up'),
    'proxy-restarts': z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(gatewayDefaults['proxy-restarts'])
      .describe("times start restarts faasd up when its proxy on published-port closed after failing to dial the gateway (faasd 0.9.5 never reopens it), before start fails; 0: fail at once"),
  })
  .nullable()
  .default(gatewayDefaults)
  .describe('how start knows OpenFaaS serves: the gateway at its container address first, then the published port; null: start only checks the daemons are alive');

const faasd = z.strictObject({
  kind: z.literal('faasd').describe('faasd provider + faasd up, after importing the bundled images'),
  command: z.string().min(1).default('faasd').describe('program to run; faasd itself insists on /usr/local/bin/faasd'),
  namespace: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/)
    .describe('containerd namespace of the core services: default for faasd 0.9.x, openfaas from 0.10'),
  socket: boxPath.default('/run/containerd/containerd.sock').describe('containerd socket to wait for and import through'),
  'wait-containerd': seconds(30, 'seconds start waits for containerd to answer'),
  'import-attempts': z.number().int().min(1).max(100).default(3).describe('tries per image import before giving up'),
  'import-delay': seconds(3, 'seconds between import tries'),
  'import-args': args.default([]).describe('extra arguments for `ctr image import`, e.g. [--no-unpack]'),
  provider: faasdDaemon('provider', '/var/lib/faasd-provider', { secret_mount_path: '/var/lib/faasd/secrets', basic_auth: 'true' }),
  up: faasdDaemon('up', '/var/lib/faasd', {}),
  copy: z.array(copyFile).default([]).describe('shipped files copied into writable places on every start (docker-compose.yaml, prometheus.yml)'),
  'runtime-files': z
    .array(boxPath)
    .default(['/var/lib/faasd/hosts', '/var/lib/faasd-provider/hosts', '/var/lib/faasd-provider/resolv.conf', '/etc/cni/net.d/10-openfaas.conflist'])
    .describe('files faasd writes itself on every start: a stale symlink there is removed; never pre-created (an empty conflist breaks CNI)'),
  secrets: boxPath
    .default('/var/lib/faasd/secrets')
    .describe('basic-auth-user and basic-auth-password, written once before the provider starts (what `faasd install` does); faasd up mounts them from <up cwd>/secrets'),
  'basic-auth-user': z.string().regex(/^[A-Za-z0-9._-]+$/).default('admin').describe('the gateway user faasd install writes'),
  'resolv-conf': boxPath
    .nullable()
    .default('/var/lib/faasd/resolv.conf')
    .describe("written on every start from the box's /etc/resolv.conf: faasd up mounts it into each core container; null to leave it alone"),
  ...daemonCommon,
  // faasd 0.9.5 gives each core container 30 s to exit on TERM, one after another
  // (pkg/service/service.go killTask): five services need up to 150 s, plus the CNI teardown.
  gateway,
  'stop-timeout': seconds(180, 'seconds stop waits for faasd up to remove its core containers after TERM (faasd allows each 30 s)'),
  'state-dirs': z
    .array(boxPath)
    .default(['/var/lib/faasd', '/var/lib/faasd/secrets', '/var/lib/faasd-provider', '/etc/cni/net.d', '/var/lib/cni'])
    .describe('writable directories created on every start and by the install hook'),
});

const serviceName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a service name is lowercase letters, digits and . _ -');

/** Signals `stop` may send first; KILL follows after stop-timeout in every case. */
export const stopSignals = ['TERM', 'INT', 'QUIT', 'HUP', 'USR1', 'USR2'] as const;

const readiness = z
  .strictObject({
    command: z.string().min(1).optional().describe('shell command (run by /bin/sh) that exits 0 once the daemon serves, e.g. wget -q -O /dev/null http://127.0.0.1:8080/'),
    file: boxPath.optional().describe('a file (socket, pidfile) whose existence means ready'),
    timeout: seconds(30, 'seconds start waits for readiness before giving up'),
  })
  .refine((r) => (r.command === undefined) !== (r.file === undefined), { message: 'ready: takes exactly one of command: or file:' })
  .describe('how start knows the daemon serves; without it, start only checks the process is still alive after a second');

/**
 * Any long-running program. By default it stays in the foreground and the script keeps its
 * pid (the script is its supervisor); `forks: true` is for programs that detach and write
 * their own pidfile. Everything the script does is one of these fields.
 */
const daemon = z.strictObject({
  kind: z.literal('daemon').describe('any long-running program: start|stop|restart|status with pidfile, log, readiness'),
  command: z.string().min(1).describe('program to run: an absolute path on the box or a name looked up on PATH (/usr/local/bin included)'),
  args: args.default([]),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*$/, 'a user name such as root, tc or nobody')
    .default('root')
    .describe('user the program runs as (through su); root runs it directly'),
  env: envMap.default({}),
  cwd: boxPath.default('/').describe('working directory'),
  forks: z.boolean().default(false).describe('true when the program detaches itself and writes pidfile: (else it must stay in the foreground)'),
  pidfile: boxPath.optional().describe('pid file: written by the script for a foreground program, by the program itself when forks: true; default /var/run/<service>.pid'),
  log: boxPath.optional().describe('file stdout and stderr are appended to; default /var/log/<service>.log'),
  after: z
    .array(serviceName)
    .default([])
    .describe('services (of this or other extensions) started first when their script is installed; a missing one is skipped, as with systemd After='),
  ready: readiness.optional(),
  'stop-signal': z.enum(stopSignals).default('TERM').describe('signal stop sends first; KILL follows after stop-timeout'),
  ...daemonCommon,
});

export const writtenService = z.discriminatedUnion('kind', [cgroupfs, containerd, faasd, daemon]).describe('one generated init script');

export const writtenServices = z
  .record(serviceName, writtenService)
  .describe('init scripts to generate under /usr/local/etc/init.d, by name');

export type WrittenService = z.output<typeof writtenService>;
export type CgroupfsService = Extract<WrittenService, { kind: 'cgroupfs' }>;
export type ContainerdService = Extract<WrittenService, { kind: 'containerd' }>;
export type FaasdService = Extract<WrittenService, { kind: 'faasd' }>;
export type FaasdDaemon = FaasdService['provider'];
export type DaemonService = Extract<WrittenService, { kind: 'daemon' }>;
