/**
 * The cgroupfs init script: TinyCore mounts no cgroups, so this does what cgroupfs-mount does
 * elsewhere (a tmpfs on the mount point, one cgroup v1 hierarchy per enabled controller from
 * /proc/cgroups, memory.use_hierarchy=1), idempotently, reading /proc/mounts because BusyBox
 * has no `mountpoint`. A cgroup2 mount is left alone. Pure text generation.
 */
import type { CgroupfsService } from '../recipe/schema-services.js';
import { dispatch, header, messageFunctions } from './common.js';
import { rooted } from './sh.js';

export function renderCgroupfsScript(name: string, recipeName: string, s: CgroupfsService): string {
  return [
    header({ path: `/usr/local/etc/init.d/${name}`, recipeName, name, summary: 'mount|umount|status the cgroup v1 hierarchies containers need.' }),
    `MOUNTPOINT=${rooted(s.mountpoint)}
# Controllers to mount; empty means every enabled one.
CONTROLLERS="${(s.controllers ?? []).join(' ')}"
`,
    messageFunctions,
    mountFunctions(s),
    dispatch([
      { names: ['mount', 'start'], body: 'do_mount' },
      { names: ['umount', 'stop'], body: 'do_umount' },
      { names: ['restart'], body: 'do_umount && do_mount' },
      { names: ['status'], body: 'status' },
    ]),
  ].join('');
}

function mountFunctions(s: CgroupfsService): string {
  const hierarchy = s['use-hierarchy']
    ? `  if [ -f "$MOUNTPOINT/memory/memory.use_hierarchy" ]; then
    { echo 1 >"$MOUNTPOINT/memory/memory.use_hierarchy"; } 2>/dev/null || warn "could not set memory.use_hierarchy"
  fi
`
    : '';
  return `
# Print the filesystem type mounted at $1 (the last mount wins), or nothing.
fstype_at() {
  found=''
  while read -r _dev mnt type _rest; do
    [ "$mnt" = "$1" ] && found="$type"
  done <"$ROOT/proc/mounts"
  [ -n "$found" ] && echo "$found"
}

# Enabled controllers from /proc/cgroups (column 4), filtered by CONTROLLERS.
enabled_controllers() {
  while read -r ctl _hierarchy _count enabled; do
    case "$ctl" in
      '' | '#'*) continue ;;
    esac
    [ "$enabled" = 1 ] || continue
    if [ -n "$CONTROLLERS" ]; then
      case " $CONTROLLERS " in
        *" $ctl "*) ;;
        *) continue ;;
      esac
    fi
    echo "$ctl"
  done <"$ROOT/proc/cgroups"
}

do_mount() {
  need_root
  if [ ! -r "$ROOT/proc/cgroups" ] || [ ! -d "$MOUNTPOINT" ]; then
    say "this kernel has no cgroup support; nothing to mount"
    return 0
  fi
  case "$(fstype_at "$MOUNTPOINT")" in
    cgroup2)
      say "cgroup v2 is mounted on $MOUNTPOINT; leaving it as it is"
      return 0
      ;;
    '')
      mount -t tmpfs -o uid=0,gid=0,mode=0755 cgroup "$MOUNTPOINT" || {
        say "could not mount a tmpfs on $MOUNTPOINT"
        return 1
      }
      ;;
  esac
  for ctl in $(enabled_controllers); do
    dir="$MOUNTPOINT/$ctl"
    [ -n "$(fstype_at "$dir")" ] && continue
    mkdir -p "$dir"
    if ! mount -n -t cgroup -o "$ctl" cgroup "$dir"; then
      rmdir "$dir" 2>/dev/null
      warn "could not mount the $ctl controller"
    fi
  done
${hierarchy}  say "cgroup hierarchies mounted on $MOUNTPOINT"
  return 0
}

# Unmount every cgroup hierarchy below the mount point; the tmpfs stays, as cgroupfs-umount does.
do_umount() {
  need_root
  for dir in "$MOUNTPOINT"/*; do
    [ "$(fstype_at "$dir")" = cgroup ] || continue
    if umount "$dir"; then
      rmdir "$dir" 2>/dev/null
    else
      warn "could not unmount $dir (busy?)"
    fi
  done
  say "cgroup hierarchies unmounted"
  return 0
}

# LSB: 0 when cgroups are usable (v1 hierarchies or cgroup v2), 3 when not.
status() {
  case "$(fstype_at "$MOUNTPOINT")" in
    cgroup2)
      say "cgroup v2 is mounted on $MOUNTPOINT"
      return 0
      ;;
    '')
      say "nothing is mounted on $MOUNTPOINT"
      return 3
      ;;
  esac
  count=0
  for dir in "$MOUNTPOINT"/*; do
    [ "$(fstype_at "$dir")" = cgroup ] && count=$((count + 1))
  done
  if [ "$count" -gt 0 ]; then
    say "$count cgroup hierarchies mounted on $MOUNTPOINT"
    return 0
  fi
  say "no cgroup hierarchy is mounted on $MOUNTPOINT"
  return 3
}
`;
}
