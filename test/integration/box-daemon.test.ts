/**
 * `kind: daemon` on the booted stand-in box, in one boot: webd.tcz packs BusyBox from Debian's
 * busybox package (a .deb source, unpacked by tczbuild; dynamically linked, so the hook links
 * /lib64 as box-links says) and runs its httpd as user tc through
 * the generated init script and install hook; the guest fetches a file from it, stops it (status
 * 3, nothing answers), starts it again and restarts it (a new pid, still answering). A second
 * extension's service, ordered `after: [webd]`, starts webd itself and fetches from it while
 * starting, so the order is shown by what it fetched, not by log lines.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../../src/util/exec.js';
import { diagnosticsOf, tczbuild, type CliRun } from '../helpers/cli.js';
import { inBootLane } from '../helpers/file-lock.js';
import { testdir } from '../helpers/testdir.js';
import { repoRoot } from './helpers/box-project.js';

const info = (name: string): string => `name: ${name}
version: "1.0"
description: ${name} (box test fixture)
author: tczbuild tests
original-site: https://example.invalid/
copying-policy: GPL-2.0
`;

const page = 'served by webd on the box';
const fetchPage = 'wget -q -O - http://127.0.0.1:8080/index.html';

const webd = (debUrl: string, sha: string): string => `${info('webd')}sources:
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

const webcheck = `${info('webcheck')}overlays: [webcheck]
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

let dir: string;
let run: CliRun;

beforeAll(async () => {
  dir = await testdir(
    {
      'rootfs-overlays/webd/usr/local/share/webd/www/index.html': `${page}\n`,
      // Fails (and so fails its start) unless webd already answers.
      'rootfs-overlays/webcheck/usr/local/bin/webcheck': { content: `#!/bin/sh\n${fetchPage} >/tmp/webcheck.fetched || exit 1\nexec sleep 100000\n`, mode: 0o755 },
    },
    { keep: true },
  );
  const deb = join(dir, 'busybox.deb');
  await copyFile(await debianBusyboxDeb(dir), deb);
  await mkdir(join(dir, 'recipes'), { recursive: true });
  await writeFile(join(dir, 'recipes/webd.yaml'), webd(`file://${deb}`, createHash('sha256').update(await readFile(deb)).digest('hex')));
  await writeFile(join(dir, 'recipes/webcheck.yaml'), webcheck);
  await runTool(join(repoRoot, 'scripts/make-standin-box.sh'), [join(dir, 'box')], { env: process.env });
  const lint = await tczbuild(['lint'], { cwd: dir });
  expect(lint.code, lint.stdout + lint.stderr).toBe(0);
  // --no-verify: Debian's busybox needs GLIBC_2.34, newer than TinyCore 11's 2.30, so the build
  // gate refuses it for a real TinyCore 11; the stand-in box runs (and declares) glibc 2.36
  const built = await tczbuild(['build', 'webd', 'webcheck', '--tc-version', '11', '--no-verify'], { cwd: dir });
  expect(built.code, built.stdout + built.stderr).toBe(0);
  run = await inBootLane(() => tczbuild(['test', 'webd', 'webcheck', '--box', 'box/box.yaml', '--bound', '300', '--log-dir', 'log', '--json'], { cwd: dir }));
}, 900_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Debian's busybox package from the apt cache, else fetched now with apt-get download. */
async function debianBusyboxDeb(work: string): Promise<string> {
  const cache = '/var/cache/apt/archives';
  const found = (await readdir(cache)).find((f) => /^busybox_.*_amd64\.deb$/.test(f));
  if (found) return join(cache, found);
  execFileSync('apt-get', ['download', 'busybox'], { cwd: work, stdio: 'ignore' });
  const got = (await readdir(work)).find((f) => /^busybox_.*\.deb$/.test(f));
  if (!got) throw new Error('apt-get download busybox gave no .deb');
  return join(work, got);
}

const stepStatus = (title: string): unknown => run.events.find((e) => (e.data as { title?: string } | undefined)?.title === title)?.data;

describe('a kind: daemon service on the booted box', () => {
  it('passes every step, with no findings', () => {
    expect(diagnosticsOf(run)).toEqual([]);
    expect(run.code, run.stdout.slice(-4000)).toBe(0);
  });

  it('keeps the console log in --log-dir and removes the initrd it wrote there', async () => {
    expect(await readdir(join(dir, 'log'))).toEqual(['console.log']);
    expect(await readFile(join(dir, 'log/console.log'), 'utf8')).toContain('webd: running (pid');
  });

  it.each([
    'webd: answers after the install hook started it',
    'webd: runs as tc from the Debian busybox',
    'webd: stop ends it and status says 3',
    'webd: nothing answers once stopped',
    'webd: start serves again and a second start is a no-op',
    'webd: restart gives a new process that answers',
    'webcheck: starting it starts webd first and it fetched from webd while starting',
  ])('%s', (title) => {
    expect(stepStatus(title)).toMatchObject({ status: 'pass' });
  });
});
