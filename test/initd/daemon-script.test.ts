import { readFile, writeFile, mkdir, chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateInitFiles } from '../../src/initd/index.js';
import { recipeFromYaml, recipeHead, target } from './helpers/recipe.js';
import { busybox, makeSandbox, type Sandbox } from './helpers/sandbox.js';
import { freePort } from '../../src/demo/free-port.js';

const webd = 'usr/local/etc/init.d/webd';

async function daemonSandbox(services: string, extraYaml = ''): Promise<Sandbox> {
  const recipe = recipeFromYaml(`${recipeHead('webd')}services:\n${services}${extraYaml}`);
  const sb = await makeSandbox(generateInitFiles(recipe, target));
  // Whatever a test left running is killed through the pidfiles the scripts keep.
  onTestFinished(async () => {
    for (const name of ['webd', 'second', 'stubborn', 'forker', 'envd']) {
      const pid = Number((await readFile(join(sb.root, `var/run/${name}.pid`), 'utf8').catch(() => '')).trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
  return sb;
}

/** Debian's BusyBox httpd serving a directory of the sandbox, in the foreground. */
function httpdService(port: number, extra = ''): string {
  return `  webd:
    kind: daemon
    command: ${busybox}
    args: [httpd, -f, -p, "127.0.0.1:${port}", -h, www]
    cwd: /srv
    ready:
      command: wget -q -O /dev/null http://127.0.0.1:${port}/index.html
      timeout: 5
${extra}`;
}

async function fetchText(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/index.html`);
  return r.text();
}

describe('kind: daemon init script under busybox ash, with BusyBox httpd as the daemon', () => {
  it('start serves, a second start starts nothing, status 0; stop ends it, status 3; restart serves again', async () => {
    const port = await freePort();
    const sb = await daemonSandbox(httpdService(port));
    await mkdir(join(sb.root, 'srv/www'), { recursive: true });
    await writeFile(join(sb.root, 'srv/www/index.html'), 'hello from webd\n');

    const start = await sb.run(webd, 'start');
    expect([start.code, start.stdout]).toEqual([0, expect.stringMatching(/webd: running \(pid \d+\)/)]);
    expect(await fetchText(port)).toBe('hello from webd\n');
    const pid = (await sb.readRoot('var/run/webd.pid')).trim();
    expect(await readFile(`/proc/${pid}/cmdline`, 'utf8')).toContain('httpd');

    const again = await sb.run(webd, 'start');
    expect([again.code, again.stdout.trim()]).toEqual([0, `webd: already running (pid ${pid})`]);
    expect((await sb.run(webd, 'status')).code).toBe(0);

    const stop = await sb.run(webd, 'stop');
    expect([stop.code, stop.stdout.trim()]).toEqual([0, 'webd: stopped']);
    await expect(fetchText(port)).rejects.toThrow();
    const status = await sb.run(webd, 'status');
    expect([status.code, status.stdout.trim()]).toEqual([3, 'webd: not running']);
    expect((await sb.run(webd, 'stop')).code).toBe(0);

    const restart = await sb.run(webd, 'restart');
    expect(restart.code).toBe(0);
    expect(await fetchText(port)).toBe('hello from webd\n');
    expect((await sb.readRoot('var/run/webd.pid')).trim()).not.toBe(pid);
  });

  it('starts the services named in after: first when their scripts are installed, and skips one that is not', async () => {
    const port = await freePort();
    const second = `  second:
    kind: daemon
    command: /bin/sh
    args: [-c, "wget -q -O - http://127.0.0.1:${port}/index.html >&2; exec sleep 1000"]
    after: [webd, not-installed]
`;
    // webd's script is another extension's: generated from its own recipe into the same root.
    const sb = await daemonSandbox(second);
    const webdRecipe = recipeFromYaml(`${recipeHead('webd')}services:\n${httpdService(port)}`);
    const webdScript = generateInitFiles(webdRecipe, target).find((f) => f.path === webd);
    await mkdir(join(sb.root, 'usr/local/etc/init.d'), { recursive: true });
    await writeFile(join(sb.root, webd), String(webdScript?.content));
    await chmod(join(sb.root, webd), 0o755);
    await mkdir(join(sb.root, 'srv/www'), { recursive: true });
    await writeFile(join(sb.root, 'srv/www/index.html'), 'served before second\n');

    const r = await sb.run('usr/local/etc/init.d/second', 'start');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.indexOf('webd: running')).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf('webd: running')).toBeLessThan(r.stdout.indexOf('second: starting'));
    expect(r.stderr).not.toContain('not-installed');
    // second fetched from webd while starting: the order was real, not only printed.
    expect(await sb.readRoot('var/log/second.log')).toBe('served before second\n');
  });

  it('runs as the user with the environment, working directory and dashed arguments given, logging to the log file', async () => {
    const sb = await daemonSandbox(`  envd:
    kind: daemon
    command: /bin/sh
    args: [-c, 'echo "uid=$(id -u) dir=$(pwd) greeting=$GREETING arg0=$0"; exec sleep 1000', -p]
    user: nobody
    cwd: /srv
    env: { GREETING: "it's me" }
    log: /var/log/custom/envd.log
    state-dirs: [/var/lib/envd]
`);
    await mkdir(join(sb.root, 'srv'), { recursive: true });
    const r = await sb.run('usr/local/etc/init.d/envd', 'start');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await new Promise((res) => setTimeout(res, 300));
    expect(await sb.readRoot('var/log/custom/envd.log')).toBe(`uid=65534 dir=${sb.root}/srv greeting=it's me arg0=-p\n`);
    expect((await stat(join(sb.root, 'var/lib/envd'))).uid).toBe(65534);
  });

  it('stop sends the stop signal and the daemon ends on it', async () => {
    const sb = await daemonSandbox(`  stubborn:
    kind: daemon
    command: /bin/sh
    args: [-c, 'trap "echo got USR1; exit 0" USR1; while :; do sleep 1; done']
    stop-signal: USR1
`);
    expect((await sb.run('usr/local/etc/init.d/stubborn', 'start')).code).toBe(0);
    const stop = await sb.run('usr/local/etc/init.d/stubborn', 'stop');
    expect([stop.code, stop.stdout.trim(), stop.stderr]).toEqual([0, 'stubborn: stopped', '']);
    expect(await sb.readRoot('var/log/stubborn.log')).toBe('got USR1\n');
  });

  it('stop sends KILL after stop-timeout to a daemon that ignores the stop signal', async () => {
    const sb = await daemonSandbox(`  stubborn:
    kind: daemon
    command: /bin/sh
    args: [-c, 'trap "" TERM; while :; do sleep 1; done']
    stop-timeout: 1
`);
    expect((await sb.run('usr/local/etc/init.d/stubborn', 'start')).code).toBe(0);
    const pid = (await sb.readRoot('var/run/stubborn.pid')).trim();
    const began = Date.now();
    const stop = await sb.run('usr/local/etc/init.d/stubborn', 'stop');
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain(`stubborn: warning: still running 1 s after TERM (pid ${pid}); sending KILL`);
    expect(Date.now() - began).toBeLessThan(8000);
    expect((await sb.run('usr/local/etc/init.d/stubborn', 'status')).code).toBe(3);
  });

  it('forks: true waits for the pidfile the program writes and watches that process', async () => {
    const sb = await daemonSandbox(`  forker:
    kind: daemon
    command: /bin/sh
    args: [-c, 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $! >"$TCZ_ROOT/var/run/forker.pid"']
    forks: true
`);
    const r = await sb.run('usr/local/etc/init.d/forker', 'start');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const pid = (await sb.readRoot('var/run/forker.pid')).trim();
    expect(await readFile(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\u00001000\u0000');
    expect((await sb.run('usr/local/etc/init.d/forker', 'stop')).code).toBe(0);
  });

  it('reports a daemon that dies at start with the end of its log (exit 1), a dead pidfile as status 1, a missing program as 5', async () => {
    const port = await freePort();
    const sb = await daemonSandbox(httpdService(port).replace('-h, www', '-h, www, --no-such-flag'));
    await mkdir(join(sb.root, 'srv/www'), { recursive: true });
    const r = await sb.run(webd, 'start');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('webd: exited while starting');
    expect(r.stdout).toContain('--- last lines of');
    await writeFile(join(sb.root, 'var/run/webd.pid'), '999999\n');
    expect((await sb.run(webd, 'status')).code).toBe(1);

    const missing = await daemonSandbox('  webd:\n    kind: daemon\n    command: /usr/local/bin/not-there\n');
    const m = await missing.run(webd, 'start');
    expect([m.code, m.stdout.trim()]).toEqual([5, 'webd: /usr/local/bin/not-there is not installed']);
  });

  it('gives up after ready timeout when the readiness check never passes', async () => {
    const sb = await daemonSandbox(`  webd:
    kind: daemon
    command: /bin/sh
    args: [-c, 'exec sleep 1000']
    ready: { file: /run/never, timeout: 2 }
`);
    const began = Date.now();
    const r = await sb.run(webd, 'start');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('webd: gave up waiting for /run/never to appear after 2 s');
    expect(Date.now() - began).toBeLessThan(8000);
  });

  it('the install hook creates the directories, runs the recipe hook body, then autostarts', async () => {
    const port = await freePort();
    const sb = await daemonSandbox(
      httpdService(port, '    autostart: true\n    state-dirs: [/var/lib/webd]\n'),
      'hooks:\n  installed: |\n    mkdir -p "$ROOT/srv/www"\n    echo "written by the hook" >"$ROOT/srv/www/index.html"\n    exit 0\n',
    );
    const r = await sb.run('usr/local/tce.installed/webd');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // the user's `exit 0` ended only its subshell: autostart still ran after it
    expect(await fetchText(port)).toBe('written by the hook\n');
    expect((await stat(join(sb.root, 'var/lib/webd'))).isDirectory()).toBe(true);
  });
});
