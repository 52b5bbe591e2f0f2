/**
 * The faasd init script: waits (bounded) for containerd, prepares the writable files faasd
 * rewrites on every start, imports the recipe's bundled images with bounded retries, then
 * starts `faasd provider` and `faasd up` the way the upstream systemd units do (cwd, env,
 * pidfile, log each). Stop sends TERM and waits, so faasd can remove its containers. Pure
 * text generation.
 */
import type { WrittenImage } from '../recipe/schema-images.js';
import type { FaasdDaemon, FaasdService } from '../recipe/schema-services.js';
import { dispatch, header, logTailFunction, messageFunctions, pidFunctions, requireFunctions } from './common.js';
import { imageTarballPath } from './image-path.js';
import { dirOf, rooted, shq, shWords, unique } from './sh.js';

export function renderFaasdScript(name: string, recipeName: string, s: FaasdService, images: readonly WrittenImage[]): string {
  return [
    header({ path: `/usr/local/etc/init.d/${name}`, recipeName, name, summary: 'start|stop|restart|status|import for faasd provider and faasd up.' }),
    settings(s),
    messageFunctions,
    pidFunctions,
    requireFunctions,
    logTailFunction,
    containerdFunctions,
    fileFunctions,
    importFunctions,
    importImages(recipeName, images, s['import-args']),
    daemonStart('provider', s, s.provider),
    daemonStart('up', s, s.up),
    startStopStatus(s),
    dispatch([
      { names: ['start'], body: 'start' },
      { names: ['stop'], body: 'stop' },
      { names: ['restart'], body: 'stop && start' },
      { names: ['status'], body: 'status' },
      { names: ['import'], body: 'need_root && wait_containerd && import_images' },
    ]),
  ].join('');
}

function settings(s: FaasdService): string {
  return `SOCKET=${rooted(s.socket)}
WAIT_CONTAINERD=${s['wait-containerd']}
IMPORT_ATTEMPTS=${s['import-attempts']}
IMPORT_DELAY=${s['import-delay']}
STOP_TIMEOUT=${s['stop-timeout']}
PROVIDER_PIDFILE=${rooted(s.provider.pidfile)}
PROVIDER_LOG=${rooted(s.provider.log)}
UP_PIDFILE=${rooted(s.up.pidfile)}
UP_LOG=${rooted(s.up.log)}
`;
}

const containerdFunctions = `
# Wait until containerd answers on SOCKET, at most WAIT_CONTAINERD seconds. The socket file
# is checked first because ctr blocks for seconds dialing one that does not exist yet.
wait_containerd() {
  deadline=$(($(date +%s) + WAIT_CONTAINERD))
  until [ -e "$SOCKET" ] && ctr --address "$SOCKET" version >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      say "gave up waiting for containerd: no answer on $SOCKET after $WAIT_CONTAINERD s"
      return 1
    fi
    sleep 1
  done
  return 0
}
`;

const fileFunctions = `
# faasd writes these itself on every start (mkdir -p + write). A leftover symlink into a
# read-only extension would make that write fail, so it is removed; nothing is pre-created:
# an empty conflist breaks containerd's CNI loading until faasd rewrites it.
clear_stale_links() {
  for file in "$@"; do
    [ -L "$file" ] && rm -f "$file"
  done
  return 0
}

# copy_file FROM TO: a writable copy of a shipped file, refreshed on every start.
copy_file() {
  if [ ! -f "$1" ]; then
    warn "$1 is missing; $2 was not refreshed"
    return 0
  fi
  mkdir -p "\${2%/*}"
  rm -f "$2"
  cp "$1" "$2" || warn "could not copy $1 to $2"
}
`;

const importFunctions = `
# image_listed NAMESPACE REF: is REF among the images containerd has in NAMESPACE?
image_listed() {
  ctr --address "$SOCKET" -n "$1" image ls -q 2>/dev/null | grep -qxF "$2"
}

# import_image NAMESPACE REF TARBALL [ctr import flags]: up to IMPORT_ATTEMPTS tries.
import_image() {
  ns="$1"
  ref="$2"
  tarball="$3"
  shift 3
  if image_listed "$ns" "$ref"; then
    say "image $ref is already in namespace $ns"
    return 0
  fi
  if [ ! -f "$tarball" ]; then
    warn "image tarball $tarball for $ref is missing"
    return 1
  fi
  attempt=1
  while :; do
    if ctr --address "$SOCKET" -n "$ns" image import "$@" "$tarball" && image_listed "$ns" "$ref"; then
      say "imported $ref into namespace $ns"
      return 0
    fi
    say "import of $ref into namespace $ns failed (attempt $attempt of $IMPORT_ATTEMPTS)"
    [ "$attempt" -ge "$IMPORT_ATTEMPTS" ] && break
    attempt=$((attempt + 1))
    sleep "$IMPORT_DELAY"
  done
  warn "gave up importing $ref after $IMPORT_ATTEMPTS attempts; faasd will try to pull it"
  return 1
}
`;

function importImages(recipeName: string, images: readonly WrittenImage[], flags: readonly string[]): string {
  const calls = images.map((img) => {
    const file = `/${imageTarballPath(recipeName, img.ref, img.to)}`;
    return `  import_image ${shq(img.namespace)} ${shq(img.ref)} ${rooted(file)}${flags.length ? ' ' + shWords(flags) : ''} || failed=$((failed + 1))`;
  });
  return `
# Every image the recipe bundles, imported into its namespace unless already there.
import_images() {
  failed=0
${calls.length > 0 ? calls.join('\n') + '\n' : ''}  [ "$failed" -eq 0 ]
}
`;
}

function daemonStart(sub: 'provider' | 'up', s: FaasdService, d: FaasdDaemon): string {
  const upper = sub.toUpperCase();
  const env = Object.entries(d.env).map(([k, v]) => `${k}=${shq(v)}`);
  const exports = env.length > 0 ? `    export ${env.join(' ')}\n` : '';
  const args = [sub, ...d.args];
  return `
start_${sub}() {
  if pid="$(running_pid "$${upper}_PIDFILE")"; then
    say "faasd ${sub} is already running (pid $pid)"
    return 0
  fi
  mkdir -p ${unique([d.cwd, dirOf(d.pidfile), dirOf(d.log)]).map(rooted).join(' ')}
  (
    # Ignored HUP survives exec: the daemon outlives the terminal that started it.
    trap '' HUP
    cd ${rooted(d.cwd)} || exit 1
${exports}    exec ${shq(s.command)} ${shWords(args)} </dev/null >>"$${upper}_LOG" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$${upper}_PIDFILE"
  # A daemon that cannot start usually dies within a second; say so now rather than never.
  sleep 1
  if ! alive "$pid"; then
    say "faasd ${sub} exited right after start"
    show_log_tail "$${upper}_LOG"
    rm -f "$${upper}_PIDFILE"
    return 1
  fi
  say "faasd ${sub} started (pid $pid)"
}
`;
}

function startStopStatus(s: FaasdService): string {
  const pre: string[] = [];
  if (s.requires.length > 0) pre.push(`start_required ${shWords(s.requires)}`);
  pre.push('wait_containerd || return 1');
  if (s['state-dirs'].length > 0) pre.push(`mkdir -p ${s['state-dirs'].map(rooted).join(' ')}`);
  if (s['runtime-files'].length > 0) pre.push(`clear_stale_links ${s['runtime-files'].map(rooted).join(' ')}`);
  for (const c of s.copy) pre.push(`copy_file ${rooted(c.from)} ${rooted(c.to)}`);
  pre.push('import_images || warn "some images were not imported"');
  return `
start() {
  need_root
  if running_pid "$PROVIDER_PIDFILE" >/dev/null && running_pid "$UP_PIDFILE" >/dev/null; then
    say "already running"
    return 0
  fi
${pre.map((l) => `  ${l}`).join('\n')}
  start_provider || return 1
  start_up || return 1
}

# faasd up removes its containers on TERM: stop it first, then the provider.
stop() {
  need_root
  stop_pidfile "faasd up" "$UP_PIDFILE" "$STOP_TIMEOUT" || return 1
  stop_pidfile "faasd provider" "$PROVIDER_PIDFILE" "$STOP_TIMEOUT"
}

# LSB: 0 when both daemons run, 3 otherwise.
status() {
  code=0
  for which in provider up; do
    if [ "$which" = provider ]; then file="$PROVIDER_PIDFILE"; else file="$UP_PIDFILE"; fi
    if pid="$(running_pid "$file")"; then
      say "faasd $which is running (pid $pid)"
    else
      say "faasd $which is not running"
      code=3
    fi
  done
  return "$code"
}
`;
}
