/**
 * The generic `kind: daemon` init script: any long-running program as a SysV script for
 * BusyBox ash. A foreground program is started in the background with its pid kept in the
 * pidfile (the script is its supervisor); a program that detaches (`forks: true`) is waited
 * for until its own pidfile names a live process. Around that: services to start first
 * (`requires:` must exist, `after:` only orders), state directories, environment, working
 * directory, user (through BusyBox su), log file, a bounded readiness check, and stop with a
 * chosen signal then KILL after stop-timeout. Verbs and exit codes follow LSB: start and stop
 * are idempotent and exit 0 when already done; status exits 0 running, 1 dead with a pidfile
 * left, 3 stopped; 4 is missing privilege, 5 a program that is not installed. Pure text.
 */
import type { DaemonService } from '../recipe/schema-services.js';
import { dispatch, header, serviceVerbs, logTailFunction, pidFunctions, requireFunctions, waitReadyFunction } from './common.js';
import { dirOf, rooted, shq, shWords, unique } from './sh.js';

/** Defaults that depend on the service name, so two daemons of one recipe never share files. */
export function daemonPidfile(name: string, s: DaemonService): string {
  return s.pidfile ?? `/var/run/${name}.pid`;
}

export function daemonLog(name: string, s: DaemonService): string {
  return s.log ?? `/var/log/${name}.log`;
}

/** Directories the daemon writes: created on every start and by the install hook. */
export function daemonDirs(name: string, s: DaemonService): string[] {
  return unique([...s['state-dirs'], dirOf(daemonPidfile(name, s)), dirOf(daemonLog(name, s))]);
}

export function renderDaemonScript(name: string, recipeName: string, s: DaemonService): string {
  return [
    header({ path: `/usr/local/etc/init.d/${name}`, recipeName, name, summary: `start|stop|restart|status for ${s.command}.` }),
    settings(name, s),
    lsbMessageFunctions,
    pidFunctions,
    requireFunctions,
    afterFunction,
    logTailFunction,
    readyFunctions(s),
    launchFunction(s),
    startFunction(name, s),
    stopAndStatus,
    dispatch(serviceVerbs),
  ].join('');
}

function settings(name: string, s: DaemonService): string {
  return `COMMAND=${shq(s.command)}
PIDFILE=${rooted(daemonPidfile(name, s))}
LOGFILE=${rooted(daemonLog(name, s))}
WORKDIR=${rooted(s.cwd)}
STOP_SIGNAL=${s['stop-signal']}
STOP_TIMEOUT=${s['stop-timeout']}
READY_TIMEOUT=${s.ready?.timeout ?? 30}
`;
}

/** LSB exit codes: 4 for missing privilege (the other scripts' need_root exits 1). */
const lsbMessageFunctions = `
say() { echo "$NAME: $*"; }
warn() { echo "$NAME: warning: $*" >&2; }

need_root() {
  [ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || { say "must be run as root"; exit 4; }
}
`;

/**
 * after: orders, it does not require: a service whose script is not installed is skipped.
 * STARTING lists the services being started by this chain, so a cycle across extensions
 * (a after b, b after a) ends instead of recursing.
 */
const afterFunction = `
start_after() {
  for svc in "$@"; do
    case " \${STARTING:-} " in
      *" $svc "*) continue ;;
    esac
    [ -x "$INITD/$svc" ] || continue
    "$INITD/$svc" start || warn "$svc (started first) failed; starting $NAME anyway"
  done
}
`;

function readyFunctions(s: DaemonService): string {
  const probe =
    s.ready === undefined
      ? '  return 0'
      : s.ready.file !== undefined
        ? `  [ -e ${rooted(s.ready.file)} ]`
        : `  sh -c ${shq(s.ready.command ?? 'true')} >/dev/null 2>&1`;
  const what = s.ready === undefined ? 'its first second' : s.ready.file !== undefined ? `${s.ready.file} to appear` : 'the ready command to succeed';
  return `
ready_probe() {
${probe}
}
${waitReadyFunction({
    comment: '# Wait until the probe passes, the daemon dies, or READY_TIMEOUT seconds pass. Without a\n# probe, a daemon still alive after one second counts as started.',
    ready: 'alive "$1" && ready_probe',
    what,
    settle: s.ready === undefined,
  })}`;
}

/**
 * The program itself: environment, directory, user; `exec` keeps the pid the script saw. The
 * whole subshell writes to LOGFILE, so a working directory that is missing shows in the log tail.
 * A program started with & from a script starts with INT and QUIT ignored (POSIX, no job
 * control): those stop signals reach only programs that set their own handlers, as daemons do.
 */
function launchFunction(s: DaemonService): string {
  const env = Object.entries(s.env).map(([k, v]) => `    export ${k}=${shq(v)}`);
  const argv = s.args.length > 0 ? ` ${shWords(s.args)}` : '';
  // BusyBox su execs the shell, which execs the program: the pid stays the one we record.
  // Its options come before `--`: BusyBox's getopt would take the program's -p or -f for its own.
  const run =
    s.user === 'root'
      ? `exec "$COMMAND"${argv}`
      : `# shellcheck disable=SC2016 # expanded by the shell su starts, not by this one\n    exec su -s /bin/sh -c 'exec "$0" "$@"' -- ${shq(s.user)} "$COMMAND"${argv}`;
  // Ignored HUP survives exec: the daemon outlives the terminal that started it (unless HUP is how it stops).
  const hup = s['stop-signal'] === 'HUP' ? '' : "    # Ignored HUP survives exec: the daemon outlives the terminal that started it.\n    trap '' HUP\n";
  return `
# Run the program with its environment, directory and user; all output goes to LOGFILE.
launch() {
  (
${hup}    cd "$WORKDIR" || exit 1
${env.length > 0 ? `${env.join('\n')}\n` : ''}    ${run}
  ) </dev/null >>"$LOGFILE" 2>&1${s.forks ? '' : ' &'}
}
`;
}

function startFunction(name: string, s: DaemonService): string {
  const steps: string[] = [];
  if (s.requires.length > 0) steps.push(`start_required ${shWords(s.requires)}`);
  if (s.after.length > 0) steps.push(`start_after ${shWords(s.after)}`);
  const dirs = daemonDirs(name, s);
  steps.push(`mkdir -p ${dirs.map(rooted).join(' ')}`);
  if (s.user !== 'root' && s['state-dirs'].length > 0) {
    steps.push(`chown ${shq(s.user)} ${s['state-dirs'].map(rooted).join(' ')} || warn "could not give the state directories to ${s.user}"`);
  }
  const launch = s.forks
    ? `rm -f "$PIDFILE"
  if ! launch; then
    say "exited with an error while starting"
    show_log_tail "$LOGFILE"
    return 1
  fi
  # The program detached; its own pidfile says which process to watch.
  waited=0
  until pid="$(running_pid "$PIDFILE")"; do
    if [ "$waited" -ge "$READY_TIMEOUT" ]; then
      say "no running process in $PIDFILE $READY_TIMEOUT s after start (log: $LOGFILE)"
      show_log_tail "$LOGFILE"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done`
    : `launch
  pid=$!
  echo "$pid" >"$PIDFILE"`;
  return `
start() {
  need_root
  if pid="$(running_pid "$PIDFILE")"; then
    say "already running (pid $pid)"
    return 0
  fi
  if ! command -v "$COMMAND" >/dev/null 2>&1; then
    say "$COMMAND is not installed"
    exit 5
  fi
  STARTING="\${STARTING:-} $NAME"
  export STARTING
${steps.map((l) => `  ${l}`).join('\n')}
  say "starting"
  ${launch}
  wait_ready "$pid" || return 1
  say "running (pid $pid)"
}
`;
}

const stopAndStatus = `
# STOP_SIGNAL first; a daemon still there after STOP_TIMEOUT seconds gets KILL, because
# TinyCore's shutdown would kill it anyway two seconds later and a hung stop blocks restart.
stop() {
  need_root
  if ! pid="$(running_pid "$PIDFILE")"; then
    say "not running"
    rm -f "$PIDFILE"
    return 0
  fi
  kill -"$STOP_SIGNAL" "$pid" 2>/dev/null
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    warn "still running $STOP_TIMEOUT s after $STOP_SIGNAL (pid $pid); sending KILL"
    kill -KILL "$pid" 2>/dev/null
    if ! wait_gone "$pid" 5; then
      say "pid $pid survived KILL"
      return 1
    fi
  fi
  rm -f "$PIDFILE"
  say "stopped"
  return 0
}

# LSB: 0 running, 1 dead but the pidfile is left, 3 not running.
status() {
  if pid="$(running_pid "$PIDFILE")"; then
    say "running (pid $pid)"
    return 0
  fi
  if [ -s "$PIDFILE" ]; then
    say "dead, but $PIDFILE is left"
    return 1
  fi
  say "not running"
  return 3
}
`;
