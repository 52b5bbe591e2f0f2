/**
 * The /opt/bootlocal.sh `tczbuild test` boots the box with. TinyCore runs it at the end of
 * boot as root (tc-config → bootsync.sh → bootlocal.sh &). It waits for the network, runs the
 * real `tce-load -wi NAME` as user tc for each extension, comparing owner:group:mode of the
 * base system's directories before and after each install, then runs each recipe's `test:`
 * steps as root, reporting over the console with the protocol in protocol.ts, and powers off.
 * Step commands travel as quoted here-documents into files, so no recipe text is re-parsed
 * by this script's own shell. Pure text; passes `shellcheck -s sh`, runs under BusyBox ash.
 */
import { baseDirs } from '../tinycore/base-system.js';
import { shq } from '../util/sh.js';
import { framed } from './protocol.js';
import type { BoxStep } from './plan.js';

/**
 * Box directories that are not in the base-system table (images may ship them with the default
 * root:root 0755, or never ship them), but an install must still leave alone.
 */
const alsoWatched: readonly string[] = [
  '/dev', '/root', '/run', '/usr/local/bin', '/usr/local/etc', '/usr/local/lib', '/usr/local/sbin', '/usr/local/share', '/var/log', '/var/run', '/var/tmp',
];

/**
 * Directories every TinyCore box has whose owner and mode an extension must leave alone: the
 * base-system table (the one source of those directories' live owner and mode) plus the above.
 */
export const baseDirectories: readonly string[] = [...new Set([...baseDirs.map((d) => `/${d.path}`), ...alsoWatched])].sort();

/**
 * Changes every TinyCore extension with a startup hook makes, and TinyCore's own QC asks for:
 * images carry usr/local/tce.installed as root:staff 0775, which re-owns the live tc:staff one.
 */
export const acceptedChanges: readonly string[] = ['/usr/local/tce.installed root:staff:775'];

const eof = 'TCZBOX_END_OF_TEXT';

export function guestScript(steps: readonly BoxStep[], nonce = ''): string {
  const body = steps.map(stepText).join('\n');
  return `#!/bin/sh
# /opt/bootlocal.sh written by \`tczbuild test\`: install extensions with tce-load as tc, run
# their test steps as root, report each step on the console (framed lines), power off.
exec </dev/null >/dev/console 2>&1
# this run's frame; the script (ours, from the test initrd) goes, so a step cannot read it back
# and forge a result
MARK=${shq(framed(nonce))}
case $0 in */bootlocal.sh) rm -f "$0" ;; esac
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
dmesg -n 1 2>/dev/null
T=/tmp/tczbox
mkdir -p "$T"
BASEDIRS=${shq(baseDirectories.join(' '))}
ACCEPTED=${shq(acceptedChanges.map((a) => `${a.replace(' ', '=')}`).join(' '))}

say() { echo "$MARK $*"; }

# owner:group:mode of each base directory that exists, one "PATH OWNER:GROUP:MODE" per line
snapshot() {
  for d in $BASEDIRS; do
    [ -d "$d" ] && echo "$d $(stat -c '%U:%G:%a' "$d")"
  done >"$1"
  return 0
}

# a finding for each base directory whose owner:group:mode differs between two snapshots
compare() {
  changed=0
  while read -r path was; do
    now=$(awk -v p="$path" '$1 == p { print $2 }' "$3")
    case " $ACCEPTED " in *" $path=$now "*) continue ;; esac
    if [ "$now" != "$was" ]; then
      say finding "$1" "$path" "$was" "\${now:-missing}"
      changed=1
    fi
  done <"$2"
  return "$changed"
}

# print a step's captured output as protocol lines
replay() {
  [ -s "$T/$1.out" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do say out "$1" "$line"; done <"$T/$1.out"
}

# expected ID: every non-empty line of $T/ID.expect appears in $T/ID.out (sets $missing)
expected() {
  missing=
  [ -f "$T/$1.expect" ] || return 0
  while IFS= read -r want || [ -n "$want" ]; do
    [ -n "$want" ] || continue
    if ! grep -qF -e "$want" "$T/$1.out"; then missing=$want; return 1; fi
  done <"$T/$1.expect"
  return 0
}

# refuse ID REASON: an install step the host refused before boot (an ELF the box cannot start)
refuse() {
  say step "$1"
  echo "$2" >"$T/$1.why"
  say fail "$1" "$2"
}

# run_check ID TIMEOUT: run $T/ID.sh as root; pass when it exits 0 (and prints $T/ID.expect)
run_check() {
  say step "$1"
  if [ "$2" -gt 0 ]; then
    timeout "$2" sh "$T/$1.sh" >"$T/$1.out" 2>&1
  else
    sh "$T/$1.sh" >"$T/$1.out" 2>&1
  fi
  rc=$?
  replay "$1"
  if [ "$2" -gt 0 ] && [ "$rc" -eq 143 ]; then
    say fail "$1" "timed out after $2 s"
  elif [ "$rc" -ne 0 ]; then
    say fail "$1" "exit status $rc"
  elif ! expected "$1"; then
    say fail "$1" "output lacks: $missing"
  else
    say pass "$1"
  fi
}

# install ID NAME: the real tce-load as user tc, with base directories compared around it
install() {
  say step "$1"
  snapshot "$T/$1.before"
  su tc -c "tce-load -wi $2" >"$T/$1.out" 2>&1
  rc=$?
  snapshot "$T/$1.after"
  replay "$1"
  compare "$1" "$T/$1.before" "$T/$1.after"
  changed=$?
  if [ "$rc" -ne 0 ]; then
    echo "tce-load -wi $2 failed" >"$T/$1.why"
    say fail "$1" "tce-load exit status $rc"
  elif [ ! -e "/usr/local/tce.installed/$2" ]; then
    echo "tce-load left no /usr/local/tce.installed/$2" >"$T/$1.why"
    say fail "$1" "tce-load left no /usr/local/tce.installed/$2"
  elif [ "$changed" -ne 0 ]; then
    echo "installing $2 changed base-system directories" >"$T/$1.why"
    say fail "$1" "changed base-system directories"
  else
    touch "$T/$1.ok"
    say pass "$1"
  fi
}

# network ID SECONDS: wait for DHCP (tc-config's dhcp.sh) to give a default route
network() {
  say step "$1"
  n=0
  until ip route | grep -q '^default'; do
    n=$((n + 1))
    if [ "$n" -gt "$2" ]; then say fail "$1" "no default route after $2 s"; return; fi
    sleep 1
  done
  ip route >"$T/$1.out" 2>&1
  replay "$1"
  touch "$T/$1.ok"
  say pass "$1"
}

${body}
say 'done'
sync
poweroff
`;
}

function stepText(s: BoxStep): string {
  if (s.kind === 'network') return `network ${s.id} ${s.timeout}`;
  if (s.kind === 'install' && s.refused !== undefined) return `refuse ${s.id} ${shq(s.refused)}`;
  if (s.kind === 'install') return `if [ -e "$T/1.ok" ]; then install ${s.id} ${shq(s.extension)}; else echo 'no network' >"$T/${s.id}.why"; say skip ${s.id} no network; fi`;
  const env = Object.entries(s.env).map(([k, v]) => `${k}=${shq(v)}; export ${k}`);
  const files = [`${env.length > 0 ? `printf '%s\\n' ${env.map(shq).join(' ')} >"$T/${s.id}.sh"\n` : ': >"$T/${s.id}.sh"\n'}cat >>"$T/${s.id}.sh" <<'${eof}'\n${s.run.replace(/\n?$/, '\n')}${eof}`];
  if (s.expect !== undefined) files.push(`cat >"$T/${s.id}.expect" <<'${eof}'\n${s.expect.replace(/\n?$/, '\n')}${eof}`);
  return `${files.join('\n')}
if [ -e "$T/${s.after}.ok" ]; then run_check ${s.id} ${s.timeout ?? 0}; else say skip ${s.id} "skipped: $(cat "$T/${s.after}.why" 2>/dev/null || echo ${shq(`${s.extension} was not installed`)})"; fi`;
}
