/**
 * The containerd init script: what containerd.service does under systemd, as a SysV script
 * for BusyBox ash (cgroups via a required script, modules, sysctls, state dirs, ulimit,
 * background start with pidfile and log, oom_score_adj, bounded readiness wait on the
 * socket; stop signals the daemon only, like KillMode=process). Pure text generation.
 */
import type { ContainerdService } from '../recipe/schema-services.js';
import { dispatch, header, serviceVerbs, logTailFunction, messageFunctions, pidFunctions, requireFunctions, waitReadyFunction } from './common.js';
import { dirOf, rooted, shq, shWords, unique } from './sh.js';

export function renderContainerdScript(name: string, recipeName: string, s: ContainerdService): string {
  return [
    header({ path: `/usr/local/etc/init.d/${name}`, recipeName, name, summary: 'start|stop|restart|status for the containerd daemon.' }),
    settings(s),
    messageFunctions,
    pidFunctions,
    requireFunctions,
    logTailFunction,
    preparationFunctions,
    readinessFunction,
    startFunction(s),
    stopAndStatus,
    dispatch(serviceVerbs),
  ].join('');
}

function settings(s: ContainerdService): string {
  return `PIDFILE=${rooted(s.pidfile)}
LOGFILE=${rooted(s.log)}
SOCKET=${rooted(s.socket)}
READY_TIMEOUT=${s['ready-timeout']}
STOP_TIMEOUT=${s['stop-timeout']}
`;
}

const preparationFunctions = `
load_modules() {
  for module in "$@"; do
    modprobe "$module" 2>/dev/null || warn "kernel module $module could not be loaded; continuing without it"
  done
}

# set_sysctl NAME FILE VALUE: write a kernel parameter through /proc/sys (no sysctl needed).
set_sysctl() {
  { echo "$3" >"$2"; } 2>/dev/null || warn "could not set $1 to $3"
}
`;

const readinessFunction = waitReadyFunction({
  comment:
    '# Wait until the socket answers, the daemon dies, or READY_TIMEOUT seconds pass. The socket\n# file is checked first because ctr blocks for seconds dialing one that does not exist yet.',
  ready: '[ -e "$SOCKET" ] && ctr --address "$SOCKET" version >/dev/null 2>&1',
  what: 'an answer on $SOCKET',
});

function startFunction(s: ContainerdService): string {
  const dirs = unique([s.root, s.state, dirOf(s.socket), dirOf(s.pidfile), dirOf(s.log), ...s['state-dirs']]);
  const steps: string[] = [];
  if (s.requires.length > 0) steps.push(`start_required ${shWords(s.requires)}`);
  if (s.modules.length > 0) steps.push(`load_modules ${shWords(s.modules)}`);
  for (const [key, value] of Object.entries(s.sysctl)) {
    steps.push(`set_sysctl ${key} ${rooted(`/proc/sys/${key.replace(/\./g, '/')}`)} ${shq(value)}`);
  }
  steps.push(`mkdir -p ${dirs.map(rooted).join(' ')}`);
  const limit = String(s['ulimit-nofile']);
  steps.push(
    '# BusyBox ash has ulimit -n although POSIX sh does not define it.',
    '# shellcheck disable=SC3045',
    `ulimit -n ${limit} 2>/dev/null || warn "could not raise the open files limit to ${limit}"`,
  );
  steps.push(`set -- --root ${rooted(s.root)} --state ${rooted(s.state)} --address "$SOCKET"`);
  if (s.config !== undefined) {
    steps.push(`if [ -f ${rooted(s.config)} ]; then set -- "$@" --config ${rooted(s.config)}; fi`);
  }
  if (s.args.length > 0) steps.push(`set -- "$@" ${shWords(s.args)}`);
  const adj = s['oom-score-adj'];
  return `
start() {
  need_root
  if pid="$(running_pid "$PIDFILE")"; then
    say "already running (pid $pid)"
    return 0
  fi
${steps.map((l) => `  ${l}`).join('\n')}
  say "starting"
  (
    # Ignored HUP survives exec: the daemon outlives the terminal that started it.
    trap '' HUP
    cd / || exit 1
    exec ${shq(s.command)} "$@" </dev/null >>"$LOGFILE" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  { echo ${adj} >"/proc/$pid/oom_score_adj"; } 2>/dev/null || warn "could not set oom_score_adj of pid $pid to ${adj}"
  wait_ready "$pid" || return 1
  say "running (pid $pid)"
}
`;
}

const stopAndStatus = `
# TERM goes to the daemon only: shims and containers keep running, like KillMode=process.
stop() {
  need_root
  stop_pidfile "$NAME" "$PIDFILE" "$STOP_TIMEOUT"
}

# LSB: 0 when running, 3 when not.
status() {
  if pid="$(running_pid "$PIDFILE")"; then
    say "running (pid $pid)"
    return 0
  fi
  say "not running"
  return 3
}
`;
