/**
 * The faasd init script: waits (bounded) for containerd, does on every start what `faasd
 * install` does once on a systemd host (faasd 0.9.5 cmd/install.go: the basic-auth secrets, the
 * compose file, prometheus.yml and resolv.conf in /var/lib/faasd), imports the recipe's bundled
 * images with bounded retries, then starts `faasd provider` and `faasd up` the way the upstream
 * systemd units do (cwd, env, pidfile, log each), and waits until the gateway serves (at its
 * container address first: faasd 0.9.5's proxy closes its port for good when its dial fails;
 * when it closed anyway, faasd up is restarted a bounded number of times). Stop sends TERM and
 * waits long enough for `faasd up` to remove its core containers, removes any it left, then
 * checks that none is left. Pure text generation.
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
    secretFunctions,
    resolvFunction,
    coreFunctions,
    leftoverFunction,
    s.gateway ? gatewayFunction : '',
    importFunctions,
    importImages(recipeName, images, s['import-args']),
    daemonStart('provider', s, s.provider),
    daemonStart('up', s, s.up, upPrepare(s)),
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
NAMESPACE="${s.namespace}"
SECRETS=${rooted(s.secrets)}
AUTH_USER="${s['basic-auth-user']}"
COMPOSE=${rooted(`${s.up.cwd}/docker-compose.yaml`)}
WAIT_CONTAINERD=${s['wait-containerd']}
IMPORT_ATTEMPTS=${s['import-attempts']}
IMPORT_DELAY=${s['import-delay']}
STOP_TIMEOUT=${s['stop-timeout']}
PROVIDER_PIDFILE=${rooted(s.provider.pidfile)}
PROVIDER_LOG=${rooted(s.provider.log)}
UP_PIDFILE=${rooted(s.up.pidfile)}
UP_LOG=${rooted(s.up.log)}
UP_HOSTS=${rooted(`${s.up.cwd}/hosts`)}
${
  s.gateway
    ? `GATEWAY_SERVICE="${s.gateway.service}"
GATEWAY_PORT=${s.gateway.port}
GATEWAY_PUBLISHED=${s.gateway['published-port']}
GATEWAY_PATH="${s.gateway.path}"
GATEWAY_TIMEOUT=${s.gateway['ready-timeout']}
PROXY_RESTARTS=${s.gateway['proxy-restarts']}
UP_LOG_FROM_FILE=${rooted(`${s.up.pidfile}.log-from`)}
`
    : ''
}`;
}

const containerdFunctions = `
# Wait until containerd answers on SOCKET, at most WAIT_CONTAINERD seconds. The socket file
# is checked first because ctr blocks for seconds dialing one that does not exist yet.
wait_containerd() {
  # date counts whole seconds: give up only past the deadline second, so the wait is at least
  # WAIT_CONTAINERD s (-ge gave up a second early when the wait began late in a second)
  deadline=$(($(date +%s) + WAIT_CONTAINERD))
  until [ -e "$SOCKET" ] && ctr --address "$SOCKET" version >/dev/null 2>&1; do
    if [ "$(date +%s)" -gt "$deadline" ]; then
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

// faasd 0.9.5 cmd/up.go makeBasicAuthFiles: user "admin" and password.Generate(63, 10, 0, false,
// true), i.e. 63 letters and digits of which exactly 10 are digits, no symbols; written only when
// missing, mode 0644 (workingDirectoryPermission), because the core containers read them through
// bind mounts as non-root users. faasd's own secrets directory is 0644 too: no one but root can
// enter it; 0700 says the same thing plainly.
const secretFunctions = `
# A password as faasd makes it: 63 characters from A-Z a-z 0-9, exactly 10 of them digits.
# Uniform draws from /dev/urandom, kept when they have 10 digits (about one draw in eight).
new_password() {
  tries=0
  while [ "$tries" -lt 1000 ]; do
    tries=$((tries + 1))
    pw="$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 63)"
    digits="$(printf '%s' "$pw" | tr -dc '0-9')"
    if [ "\${#pw}" -eq 63 ] && [ "\${#digits}" -eq 10 ]; then
      printf '%s' "$pw"
      return 0
    fi
  done
  return 1
}

# write_secret FILE VALUE: only when FILE is missing or empty; never readable half-written.
write_secret() {
  [ -s "$1" ] && return 0
  rm -f "$1.new"
  (umask 077 && printf '%s' "$2" >"$1.new") && mv -f "$1.new" "$1"
}

# The gateway's basic-auth secrets, made once and kept across restarts (the provider exits at
# start without them). On TinyCore /var is in RAM: add the directory to /opt/.filetool.lst to
# keep the password across reboots.
ensure_secrets() {
  { mkdir -p "$SECRETS" && chmod 0700 "$SECRETS"; } || return 1
  write_secret "$SECRETS/basic-auth-user" "$AUTH_USER" || return 1
  if [ ! -s "$SECRETS/basic-auth-password" ]; then
    pw="$(new_password)" || { say "could not make a password from /dev/urandom"; return 1; }
    write_secret "$SECRETS/basic-auth-password" "$pw" || return 1
    say "wrote a new gateway password: sudo cat \${SECRETS#"$ROOT"}/basic-auth-password"
  fi
  chmod 0644 "$SECRETS/basic-auth-user" "$SECRETS/basic-auth-password"
}
`;

// faasd up bind-mounts ./resolv.conf into every core container (pkg/supervisor.go); faasd
// install copies the file from its release tarball (nameserver 8.8.8.8). The box's own DNS from
// DHCP is the right one here, minus loopback servers, which inside a container's network
// namespace would be the container itself.
const resolvFunction = `
# write_resolv_conf FROM TO: the nameserver, search, domain and options lines of FROM.
write_resolv_conf() {
  mkdir -p "\${2%/*}"
  rm -f "$2.new"
  if [ -f "$1" ]; then
    awk '$1 == "nameserver" && ($2 ~ /^127\./ || $2 == "::1") { next }
      $1 == "nameserver" || $1 == "search" || $1 == "domain" || $1 == "options" { print }' "$1" >"$2.new"
  else
    : >"$2.new"
  fi
  grep -q '^nameserver' "$2.new" || warn "no usable nameserver in $1: the core containers resolve only each other"
  chmod 0644 "$2.new" && mv -f "$2.new" "$2"
}
`;

const coreFunctions = `
# The core services faasd up runs: the names under services: in its compose file.
core_services() {
  awk '/^services:/ { on = 1; next }
    /^[^ #]/ { on = 0 }
    on && /^  [A-Za-z0-9][A-Za-z0-9._-]*:/ { sub(/^  /, ""); sub(/:.*/, ""); print }' "$COMPOSE" 2>/dev/null
}

# After faasd up exited: none of its core containers may be left in NAMESPACE.
check_core_removed() {
  if ! { [ -e "$SOCKET" ] && ctr --address "$SOCKET" version >/dev/null 2>&1; }; then
    warn "containerd does not answer on $SOCKET: cannot check that faasd up removed its containers"
    return 0
  fi
  containers="$(ctr --address "$SOCKET" -n "$NAMESPACE" container ls -q 2>/dev/null)"
  left=""
  for svc in $(core_services); do
    if printf '%s\n' "$containers" | grep -qxF "$svc"; then left="$left $svc"; fi
  done
  if [ -n "$left" ]; then
    say "faasd up left containers in namespace $NAMESPACE:$left"
    return 1
  fi
  say "no core container left in namespace $NAMESPACE"
  return 0
}
`;

// faasd 0.9.5 removes its core containers one after another on TERM (pkg/supervisor.go Remove)
// and stops at the first error: a task still running 30 s after TERM gets KILL but is never
// deleted (pkg/service/service.go killTask), so deleting its container fails, and that
// container and every one after it stay. Stop finishes the job: KILL and delete the task,
// then the container with its snapshot.
const leftoverFunction = `
# After faasd up exited: remove the core containers it left in NAMESPACE, naming each.
remove_left_containers() {
  { [ -e "$SOCKET" ] && ctr --address "$SOCKET" version >/dev/null 2>&1; } || return 0
  containers="$(ctr --address "$SOCKET" -n "$NAMESPACE" container ls -q 2>/dev/null)"
  for svc in $(core_services); do
    printf '%s\\n' "$containers" | grep -qxF "$svc" || continue
    say "faasd up left container $svc: removing it"
    tries=0
    while ctr --address "$SOCKET" -n "$NAMESPACE" task ls -q 2>/dev/null | grep -qxF "$svc"; do
      tries=$((tries + 1))
      ctr --address "$SOCKET" -n "$NAMESPACE" task delete -f "$svc" >/dev/null 2>&1 && break
      [ "$tries" -ge 10 ] && break
      sleep 1
    done
    ctr --address "$SOCKET" -n "$NAMESPACE" container delete "$svc" >/dev/null 2>&1 || warn "could not delete container $svc"
  done
  return 0
}
`;

const gatewayFunction = `
# The gateway's container address in the hosts file faasd up writes; empty until it is there.
gateway_ip() {
  awk -v s="$GATEWAY_SERVICE" '$2 == s { ip = $1 } END { print ip }' "$UP_HOSTS" 2>/dev/null
}

# faasd up's log since this start, its last lines: why a start failed.
show_up_log() {
  echo "--- faasd up log since this start ($UP_LOG):"
  tail -c +"$((UP_LOG_FROM + 1))" "$UP_LOG" 2>/dev/null | tail -n 40
}

# Wait, at most GATEWAY_TIMEOUT s, until the gateway answers GATEWAY_PATH at its container
# address (from the hosts file faasd up writes as it starts each core container), and only then
# through faasd up's proxy on GATEWAY_PUBLISHED: that proxy closes its port for good when the
# first request it takes cannot reach the gateway yet. Returns 0 once both answer, 2 when the
# proxy closed (faasd up logged "unable to dial" since this start of it), 1 on any other failure.
wait_gateway_once() {
  # where faasd up's log of the start that runs it begins (start_up wrote it down, in this
  # start or in the one a later start finds running)
  UP_LOG_FROM="$(cat "$UP_LOG_FROM_FILE" 2>/dev/null)"
  case "$UP_LOG_FROM" in
    '' | *[!0-9]*) UP_LOG_FROM=0 ;;
  esac
  deadline=$(($(date +%s) + GATEWAY_TIMEOUT))
  ip="$(gateway_ip)"
  until [ -n "$ip" ] && wget -q -O /dev/null "http://$ip:$GATEWAY_PORT$GATEWAY_PATH" 2>/dev/null; do
    if ! running_pid "$UP_PIDFILE" >/dev/null; then
      say "faasd up exited while starting the core containers"
      show_up_log
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      if [ -z "$ip" ]; then
        say "faasd up did not start $GATEWAY_SERVICE within $GATEWAY_TIMEOUT s (no address for it in $UP_HOSTS)"
      else
        say "$GATEWAY_SERVICE at $ip:$GATEWAY_PORT did not answer $GATEWAY_PATH within $GATEWAY_TIMEOUT s"
      fi
      show_up_log
      return 1
    fi
    sleep 2
    [ -n "$ip" ] || ip="$(gateway_ip)"
  done
  until wget -q -O /dev/null "http://127.0.0.1:$GATEWAY_PUBLISHED$GATEWAY_PATH" 2>/dev/null; do
    tail -c +"$((UP_LOG_FROM + 1))" "$UP_LOG" 2>/dev/null | grep -q "unable to dial" && return 2
    if ! running_pid "$UP_PIDFILE" >/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      say "faasd up's proxy did not answer on port $GATEWAY_PUBLISHED within $GATEWAY_TIMEOUT s, though $GATEWAY_SERVICE at $ip:$GATEWAY_PORT does"
      show_up_log
      return 1
    fi
    sleep 2
  done
  say "gateway ready: $GATEWAY_SERVICE at $ip:$GATEWAY_PORT, published on port $GATEWAY_PUBLISHED"
  return 0
}

# Wait until OpenFaaS serves; when faasd up's proxy closed, stop faasd up as stop does (it
# removes its core containers), remove what it left, start it again and wait again, at most
# PROXY_RESTARTS times. Each start of faasd up gets its own GATEWAY_TIMEOUT: a restarted faasd
# up starts every core container anew and needs as long as the first did, so one deadline over
# all of them would fail a slow box for want of time rather than for a closed proxy. The bound
# of the whole wait is (1 + PROXY_RESTARTS) x (GATEWAY_TIMEOUT + STOP_TIMEOUT) seconds.
wait_gateway() {
  restarts=0
  while :; do
    wait_gateway_once
    case $? in
      0) return 0 ;;
      2) ;;
      *) return 1 ;;
    esac
    if [ "$restarts" -ge "$PROXY_RESTARTS" ]; then
      if [ "$restarts" -eq 0 ]; then
        what="closed after it failed to dial $GATEWAY_SERVICE"
      else
        what="closed again after $restarts restarts of faasd up, each time after it failed to dial $GATEWAY_SERVICE"
      fi
      say "gave up: faasd up's proxy on port $GATEWAY_PUBLISHED $what (faasd 0.9.5 never reopens it); faasd up's log below says why the dial failed: fix that, then run $0 restart"
      show_up_log
      return 1
    fi
    restarts=$((restarts + 1))
    say "faasd up's proxy on port $GATEWAY_PUBLISHED closed after it failed to dial $GATEWAY_SERVICE (faasd 0.9.5 never reopens it); restarting faasd up (restart $restarts of $PROXY_RESTARTS)"
    if ! stop_pidfile "faasd up" "$UP_PIDFILE" "$STOP_TIMEOUT"; then
      show_up_log
      return 1
    fi
    rm -f "$UP_LOG_FROM_FILE"
    remove_left_containers
    start_up || return 1
  done
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

/**
 * What start_up does before it launches faasd up (never when one already runs): forget the
 * hosts file of the last run and, with a gateway to wait for, note where this run's log begins.
 */
function upPrepare(s: FaasdService): string[] {
  return [
    "# faasd up rewrites its hosts file as it starts each core container; an old one would name",
    "# the previous run's addresses",
    'rm -f "$UP_HOSTS"',
    ...(s.gateway ? ['UP_LOG_FROM=0', '[ -f "$UP_LOG" ] && UP_LOG_FROM="$(wc -c <"$UP_LOG")"', 'echo "$UP_LOG_FROM" >"$UP_LOG_FROM_FILE"'] : []),
  ];
}

function daemonStart(sub: 'provider' | 'up', s: FaasdService, d: FaasdDaemon, prepare: readonly string[] = []): string {
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
${prepare.map((l) => `  ${l}\n`).join('')}  (
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
  if (s['resolv-conf'] !== null) pre.push(`write_resolv_conf ${rooted('/etc/resolv.conf')} ${rooted(s['resolv-conf'])}`);
  pre.push('ensure_secrets || return 1');
  pre.push('import_images || warn "some images were not imported"');
  return `
start() {
  need_root
  if running_pid "$PROVIDER_PIDFILE" >/dev/null && running_pid "$UP_PIDFILE" >/dev/null; then
    say "already running"
${s.gateway ? '    # running is not serving: answer as a fresh start would\n    wait_gateway || return 1\n' : ''}    return 0
  fi
${pre.map((l) => `  ${l}`).join('\n')}
  start_provider || return 1
  start_up || return 1
${s.gateway ? '  wait_gateway || return 1\n' : ''}}

# faasd up removes its core containers on TERM, giving each 30 s: stop it first and wait for
# that, then the provider; then remove what faasd up left and check that nothing of it is
# left. Functions keep running, as under systemd: a start finds them again.
stop() {
  need_root
  stop_pidfile "faasd up" "$UP_PIDFILE" "$STOP_TIMEOUT" || return 1
${s.gateway ? '  rm -f "$UP_LOG_FROM_FILE"\n' : ''}  stop_pidfile "faasd provider" "$PROVIDER_PIDFILE" "$STOP_TIMEOUT" || return 1
  remove_left_containers
  check_core_removed
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
