/**
 * A sandbox for running generated init scripts under BusyBox ash without touching the host:
 * a temp root (TCZ_ROOT) with fake /proc/cgroups, /proc/mounts and /proc/sys files, and stub
 * containerd, ctr, faasd, mount, umount and modprobe that record each call in ctl/calls and
 * obey control files in ctl/ (e.g. ctl/import-failures holds how many imports fail, or
 * "always"). Debian's static busybox runs its own applets before PATH, so mount, umount and
 * modprobe are shadowed by shell functions in a wrapper that then sources the script.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { onTestFinished } from 'vitest';
import type { GeneratedFile } from '../../../src/builder/types.js';
import { testdir } from '../../helpers/testdir.js';

export const busybox = '/usr/bin/busybox';

const stubs: Record<string, string> = {
  containerd: `
echo "containerd $* nofile=$(ulimit -n)" >>"$STUB_CTL/calls"
[ -f "$STUB_CTL/containerd-exit" ] && { echo "containerd: fatal: stub told to die"; exit 1; }
echo $$ >>"$STUB_CTL/pids"
# The real daemon creates its socket at --address; a plain file stands in for it.
while [ $# -gt 0 ]; do [ "$1" = --address ] && socket="$2"; shift; done
trap 'rm -f "$STUB_CTL/containerd-up" "$socket"; echo "containerd TERM" >>"$STUB_CTL/calls"; exit 0' TERM
: >"$socket"
[ -f "$STUB_CTL/containerd-never-ready" ] || : >"$STUB_CTL/containerd-up"
while :; do sleep 1 & wait $!; done
`,
  ctr: `
echo "ctr $*" >>"$STUB_CTL/calls"
ns=default
while :; do
  case "$1" in
    --address) shift 2 ;;
    -n) ns="$2"; shift 2 ;;
    *) break ;;
  esac
done
[ -f "$STUB_CTL/containerd-up" ] || { echo "ctr: failed to dial: connection refused" >&2; exit 1; }
case "$1 \${2:-}" in
  "version ") exit 0 ;;
  "image ls") cat "$STUB_CTL/images-$ns" 2>/dev/null; exit 0 ;;
  "container ls") cat "$STUB_CTL/containers-$ns" 2>/dev/null; exit 0 ;;
  # every container the stub knows runs a task
  "task ls") cat "$STUB_CTL/containers-$ns" 2>/dev/null; exit 0 ;;
  "task delete") [ -f "$STUB_CTL/ctr-delete-fails" ] && exit 1; exit 0 ;;
  "container delete")
    [ -f "$STUB_CTL/ctr-delete-fails" ] && { echo "ctr: cannot delete a container with a running task" >&2; exit 1; }
    for name; do :; done
    grep -vxF "$name" "$STUB_CTL/containers-$ns" >"$STUB_CTL/containers.new" 2>/dev/null
    mv "$STUB_CTL/containers.new" "$STUB_CTL/containers-$ns"
    exit 0
    ;;
  "image import")
    for file; do :; done
    n="$(cat "$STUB_CTL/import-failures" 2>/dev/null || echo 0)"
    if [ "$n" != 0 ]; then
      [ "$n" = always ] || echo $((n - 1)) >"$STUB_CTL/import-failures"
      echo "ctr: failed to ingest: unexpected EOF" >&2
      exit 1
    fi
    [ -f "$STUB_CTL/import-silent" ] && exit 0
    cat "$file" >>"$STUB_CTL/images-$ns"
    exit 0
    ;;
esac
echo "ctr stub: unexpected $*" >&2
exit 1
`,
  faasd: `
mode="$1"
echo "faasd $* cwd=$(pwd) secret_mount_path=\${secret_mount_path:-} basic_auth=\${basic_auth:-}" >>"$STUB_CTL/calls"
[ -f "$STUB_CTL/faasd-$mode-exit" ] && { echo "faasd $mode: fatal: stub told to die"; exit 1; }
echo $$ >>"$STUB_CTL/pids"
# The provider reads the basic-auth secrets once at start: record what it found.
if [ "$mode" = provider ]; then
  ls -ln "$TCZ_ROOT$secret_mount_path" >"$STUB_CTL/provider-saw-secrets" 2>&1
fi
# faasd up runs the compose services as containers and removes them on TERM, taking
# ctl/up-stop-delay seconds; ctl/up-leaves-containers makes it leave them.
if [ "$mode" = up ] && [ -f "$STUB_CTL/core-containers" ]; then
  cp "$STUB_CTL/core-containers" "$STUB_CTL/containers-default"
fi
# faasd up writes ./hosts as it starts each core container: ctl/up-hosts after
# ctl/up-hosts-delay seconds; ctl/up-log is what it logs, ctl/up-exit-after how long it lives.
# ctl/up-proxy-closes: how many starts (or "always") have their proxy fail its dial to the
# gateway, as faasd 0.9.5 logs it; ctl/proxy-closed, which a test's stand-in proxy obeys,
# marks the proxy of the running start closed.
if [ "$mode" = up ]; then
  [ -f "$STUB_CTL/up-log" ] && cat "$STUB_CTL/up-log"
  rm -f "$STUB_CTL/proxy-closed"
  closes="$(cat "$STUB_CTL/up-proxy-closes" 2>/dev/null || echo 0)"
  if [ "$closes" != 0 ]; then
    [ "$closes" = always ] || echo $((closes - 1)) >"$STUB_CTL/up-proxy-closes"
    echo "unable to dial to 10.62.0.5:8080, error: dial tcp 10.62.0.5:8080: connect: no route to host"
    : >"$STUB_CTL/proxy-closed"
  fi
  if [ -f "$STUB_CTL/up-hosts" ]; then
    ( sleep "$(cat "$STUB_CTL/up-hosts-delay" 2>/dev/null || echo 0)"; cp "$STUB_CTL/up-hosts" hosts ) &
  fi
  if [ -f "$STUB_CTL/up-exit-after" ]; then
    sleep "$(cat "$STUB_CTL/up-exit-after")"
    echo "faasd up: Error creating CNI for gateway"
    exit 1
  fi
fi
on_term() {
  echo "faasd $mode TERM" >>"$STUB_CTL/calls"
  if [ "$mode" = up ]; then
    sleep "$(cat "$STUB_CTL/up-stop-delay" 2>/dev/null || echo 0)"
    [ -f "$STUB_CTL/up-leaves-containers" ] || rm -f "$STUB_CTL/containers-default"
  fi
  exit 0
}
trap on_term TERM
while :; do sleep 1 & wait $!; done
`,
  mount: `
echo "mount $*" >>"$STUB_CTL/calls"
type=''; opts=''
while [ $# -gt 2 ]; do
  case "$1" in
    -t) type="$2"; shift 2 ;;
    -o) opts="$2"; shift 2 ;;
    *) shift ;;
  esac
done
target="$2"
[ -f "$STUB_CTL/mount-fail-$type-\${opts%%,*}" ] && { echo "mount: mounting $1 on $target failed: Invalid argument" >&2; exit 1; }
echo "$1 $target $type $opts 0 0" >>"$TCZ_ROOT/proc/mounts"
[ "$type-$opts" = cgroup-memory ] && echo 0 >"$target/memory.use_hierarchy"
exit 0
`,
  umount: `
echo "umount $*" >>"$STUB_CTL/calls"
grep -v " $1 " "$TCZ_ROOT/proc/mounts" >"$STUB_CTL/mounts.new"
cat "$STUB_CTL/mounts.new" >"$TCZ_ROOT/proc/mounts"
rm -f "$1"/*
exit 0
`,
  modprobe: `
echo "modprobe $*" >>"$STUB_CTL/calls"
[ -f "$STUB_CTL/modprobe-missing-$1" ] && { echo "modprobe: module $1 not found in modules.dep" >&2; exit 1; }
exit 0
`,
  // An init script some other service requires: it only records that it was asked to start.
  'required-service': `
echo "init.d/$(basename "$0") $*" >>"$STUB_CTL/calls"
exit 0
`,
};

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Sandbox {
  readonly root: string;
  readonly ctl: string;
  /** Run a file of the sandbox root (e.g. usr/local/etc/init.d/containerd) with busybox ash. */
  run(path: string, verb?: string, options?: { uid?: number }): Promise<RunResult>;
  calls(): Promise<string[]>;
  control(name: string, content?: string): Promise<void>;
  /** Put a recording stand-in at usr/local/etc/init.d/NAME. */
  stubService(name: string): Promise<void>;
  readRoot(path: string): Promise<string>;
}

/** `onFinished`: the test's own onTestFinished, which concurrent tests must pass (see testdir). */
export async function makeSandbox(files: readonly GeneratedFile[], { onFinished = onTestFinished }: { onFinished?: typeof onTestFinished } = {}): Promise<Sandbox> {
  const dir = await testdir({}, { onFinished });
  const root = join(dir, 'root');
  const ctl = join(dir, 'ctl');
  const bin = join(dir, 'stubs');
  await Promise.all([mkdir(ctl, { recursive: true }), mkdir(bin, { recursive: true })]);
  for (const [name, body] of Object.entries(stubs)) await writeExecutable(join(bin, name), `#!${busybox} sh\n${body}`);
  for (const f of files) {
    if (typeof f.content !== 'string') throw new Error('init files are text');
    await writeExecutable(join(root, f.path), f.content);
  }
  await writeFake(root);
  const wrapper = join(dir, 'wrapper.sh');
  await writeFile(
    wrapper,
    ['mount() { "$STUB_BIN/mount" "$@"; }', 'umount() { "$STUB_BIN/umount" "$@"; }', 'modprobe() { "$STUB_BIN/modprobe" "$@"; }', '. "$SCRIPT"', ''].join('\n'),
  );
  onFinished(() => killRecorded(ctl));
  const env = { TCZ_ROOT: root, STUB_CTL: ctl, STUB_BIN: bin, PATH: `${bin}:/usr/bin:/bin` };
  return {
    root,
    ctl,
    async run(path, verb, options = {}) {
      const r = await execa(busybox, ['sh', wrapper, ...(verb ? [verb] : [])], {
        env: { ...env, SCRIPT: join(root, path) },
        ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
        extendEnv: false,
        reject: false,
        timeout: 60_000,
        stdin: 'ignore',
      });
      return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    async calls() {
      const text = await readFile(join(ctl, 'calls'), 'utf8').catch(() => '');
      return text.split('\n').filter((l) => l !== '');
    },
    control: (name, content = '') => writeFile(join(ctl, name), content),
    stubService: (name) => writeExecutable(join(root, 'usr/local/etc/init.d', name), `#!${busybox} sh\n${stubs['required-service']}`),
    readRoot: (path) => readFile(join(root, path), 'utf8'),
  };
}

async function writeExecutable(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  await chmod(path, 0o755);
}

/** The /proc and /sys files the scripts read, as a 4-controller kernel with cgroups unmounted. */
async function writeFake(root: string): Promise<void> {
  const put = async (p: string, content: string) => {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), content);
  };
  await put('proc/cgroups', '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t1\t1\ncpuacct\t0\t1\t1\nmemory\t0\t1\t1\nnet_prio\t0\t1\t0\n');
  await put('proc/mounts', 'proc /proc proc rw 0 0\nsysfs /sys sysfs rw 0 0\n');
  await put('proc/sys/net/ipv4/conf/all/forwarding', '0\n');
  await mkdir(join(root, 'sys/fs/cgroup'), { recursive: true });
}

/** Kill every stub daemon the test started, whatever state the scripts left. */
async function killRecorded(ctl: string): Promise<void> {
  const text = await readFile(join(ctl, 'pids'), 'utf8').catch(() => '');
  for (const pid of text.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
