/**
 * The extensions box-guest.test.ts installs side by side in one boot of the stand-in box: each
 * shows one thing only a booted box shows (a daemon's life cycle, a loader link, a base directory
 * taken over, a step that never ends). Recipe texts and the files their overlays carry.
 */
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

const info = (name: string, copying = 'MIT'): string => `name: ${name}
version: "1.0"
description: ${name} (box test fixture)
author: tczbuild tests
original-site: https://example.invalid/
copying-policy: ${copying}
`;

export const page = 'served by webd on the box';
const fetchPage = 'wget -q -O - http://127.0.0.1:8080/index.html';

/**
 * webd packs BusyBox from Debian's busybox package (a .deb source, unpacked by tczbuild;
 * dynamically linked, so it declares the /lib64 link) and runs its httpd as user tc through the
 * generated init script and install hook; its steps stop (status 3, nothing answers), start and
 * restart it (a new pid, still answering).
 */
export const webd = (debUrl: string, sha: string): string => `${info('webd', 'GPL-2.0')}sources:
  - url: ${debUrl}
    sha256: ${sha}
    extract: { include: [bin/busybox], into: usr/local }
overlays: [webd]
box-links:
  - { path: /lib64, target: lib, why: "Debian's busybox asks for /lib64/ld-linux-x86-64.so.2" }
services:
  webd:
    kind: daemon
    command: /usr/local/bin/busybox
    args: [httpd, -f, -p, "127.0.0.1:8080", -h, /usr/local/share/webd/www]
    user: tc
    cwd: /usr/local/share/webd
    ready: { command: "${fetchPage}", timeout: 20 }
    autostart: true
hooks:
  installed: |
    echo "webd hook ran" >/tmp/webd-hook.txt
test:
  - name: answers after the install hook started it
    run: ${fetchPage}; cat /tmp/webd-hook.txt
    expect: "${page}"
  - name: runs as tc from the Debian busybox
    run: pid=$(cat /var/run/webd.pid); echo "user=$(stat -c %U /proc/$pid) exe=$(readlink /proc/$pid/exe)"
    expect: user=tc exe=/tmp/tcloop/webd/usr/local/bin/busybox
  - name: stop ends it and status says 3
    run: /usr/local/etc/init.d/webd stop; /usr/local/etc/init.d/webd status; echo "status=$?"; ${fetchPage} || echo refused; /usr/local/etc/init.d/webd stop && echo "second stop ok"
    expect: "status=3"
  - name: nothing answers once stopped
    run: ${fetchPage} >/dev/null 2>&1 && echo answering || echo refused
    expect: refused
  - name: start serves again and a second start is a no-op
    run: /usr/local/etc/init.d/webd start && /usr/local/etc/init.d/webd start && ${fetchPage}
    expect: "${page}"
  - name: restart gives a new process that answers
    run: a=$(cat /var/run/webd.pid); /usr/local/etc/init.d/webd restart >/dev/null; b=$(cat /var/run/webd.pid); [ "$a" != "$b" ] && echo "new pid" && ${fetchPage}
    expect: "${page}"
`;

/** A second service ordered `after: [webd]`: it starts webd itself and fetches from it while starting, so the order shows in what it fetched. */
export const webcheck = `${info('webcheck')}overlays: [webcheck]
services:
  webcheck:
    kind: daemon
    command: /usr/local/bin/webcheck
    after: [webd]
test:
  - name: starting it starts webd first and it fetched from webd while starting
    run: /usr/local/etc/init.d/webd stop >/dev/null; /usr/local/etc/init.d/webcheck start; cat /tmp/webcheck.fetched; /usr/local/etc/init.d/webd status
    expect: "${page}"
`;

const strict = (name: string, tail: string): string => `${info(name)}overlays: [${name}]\n${tail}`;

/** Debian's `true` (it asks for /lib64/ld-linux-x86-64.so.2) without box-links. */
export const bare = strict('bare', 'test:\n  - name: runs\n    run: dtrue-bare && echo bare-ran\n');

/** The same binary with box-links /lib64 -> lib, and a step whose two-line expect: sees one line. */
export const linked = strict(
  'linked',
  'box-links:\n  - path: /lib64\n    target: lib\n    why: Debian binaries ask for /lib64/ld-linux-x86-64.so.2\ntest:\n  - name: runs\n    run: dtrue-linked && echo linked-ran\n    expect: linked-ran\n  - name: two lines expected, one printed\n    run: echo first line\n    expect: |\n      first line\n      second line\n',
);

/** An image that ships opt/ root:root 0755: installing it re-owns the box's /opt. */
export const brokenOpt = `${info('broken-opt')}overlays: [broken-opt]\ndirectories:\n  - { path: opt, mode: "0755", owner: root, group: root }\ntest:\n  - run: cat /opt/broken/readme\n`;

/** A quick step, then one that never ends. */
export const hang = `${info('hang')}overlays: [hang]\ntest:\n  - name: quick\n    run: echo still answering\n    expect: still answering\n  - name: sleeps forever\n    run: sleep 100000\n`;

/** The overlay files of the extensions above, for testdir(). */
export function guestOverlays(debianTrue: Buffer): Record<string, string | Buffer | { content: string | Buffer; mode: number }> {
  return {
    'rootfs-overlays/webd/usr/local/share/webd/www/index.html': `${page}\n`,
    // Fails (and so fails its start) unless webd already answers.
    'rootfs-overlays/webcheck/usr/local/bin/webcheck': { content: `#!/bin/sh\n${fetchPage} >/tmp/webcheck.fetched || exit 1\nexec sleep 100000\n`, mode: 0o755 },
    'rootfs-overlays/bare/usr/local/bin/dtrue-bare': { content: debianTrue, mode: 0o755 },
    'rootfs-overlays/bare/usr/local/share/doc/bare/COPYING': 'MIT\n',
    'rootfs-overlays/linked/usr/local/bin/dtrue-linked': { content: debianTrue, mode: 0o755 },
    'rootfs-overlays/linked/usr/local/share/doc/linked/COPYING': 'MIT\n',
    'rootfs-overlays/broken-opt/opt/broken/readme': 'shipped under opt/\n',
    'rootfs-overlays/hang/usr/local/share/hang/readme': 'hang\n',
  };
}

/** Debian's busybox package from the apt cache, else fetched now with apt-get download. */
export async function debianBusyboxDeb(work: string): Promise<string> {
  const cache = '/var/cache/apt/archives';
  const found = (await readdir(cache)).find((f) => /^busybox_.*_amd64\.deb$/.test(f));
  if (found) return join(cache, found);
  execFileSync('apt-get', ['download', 'busybox'], { cwd: work, stdio: 'ignore' });
  const got = (await readdir(work)).find((f) => /^busybox_.*\.deb$/.test(f));
  if (!got) throw new Error('apt-get download busybox gave no .deb');
  return join(work, got);
}
