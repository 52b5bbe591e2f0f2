/**
 * P5, the output cache: `tczbuild all` into an empty out/ when the local output cache already
 * holds every build key, and when only a remote cache does (Debian's nginx with WebDAV PUT on
 * 127.0.0.1, the Bazel HTTP protocol), with the bytes each hit moved. Also times the first
 * build that fills both caches (build + store + upload). Starts and stops its own nginx; writes
 * only under the work directory it is given.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { timed } from './measure.mjs';
import { summarize } from './stats.mjs';

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

/** nginx as a Bazel HTTP cache: GET and WebDAV PUT under one root. */
async function startCacheServer(dir) {
  await mkdir(join(dir, 'root'), { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(
    conf,
    `user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${dir}/tmp;
  client_max_body_size 0;
  server { listen 127.0.0.1:${port}; root ${dir}/root; location / { dav_methods PUT; create_full_put_path on; } }
}
`,
  );
  const proc = spawn('nginx', ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(url).then(() => true, () => false)); i++) {
    if (i > 100 || proc.exitCode !== null) throw new Error('nginx (nginx-light, WebDAV) did not start');
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return { url, stop: () => new Promise((ok) => (proc.exitCode !== null ? ok() : (proc.on('exit', ok), proc.kill('SIGQUIT')))) };
}

function events(stdout) {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

/**
 * Throws unless every extension of a timed run (plain log: --json would add the manifest's
 * hashing of out/, which is not part of the build) came from the expected cache.
 */
function expectHits(r, cache, names) {
  const hits = r.stdout.split('\n').filter((l) => l.includes(`: from cache (the ${cache} holds`)).length;
  if (hits !== names || /warning\[/.test(r.stderr)) throw new Error(`expected ${names} hits from the ${cache}:\n${r.stdout}${r.stderr}`);
}

/**
 * @param o.args (out, extra) => argv for `node dist/cli/main.js all …` with the bench's cache dir
 * @param o.out the out/ directory; o.cacheDir the cache the args point at; o.work scratch space
 */
export async function measureOutputCache(o) {
  const reps = o.reps ?? 5;
  const server = await startCacheServer(join(o.work, 'remote-cache'));
  try {
    const remote = ['--remote-cache', server.url];
    await rm(o.out, { recursive: true, force: true });
    await rm(join(o.cacheDir, 'outputs'), { recursive: true, force: true });
    const fill = await timed(process.execPath, o.args(o.out, remote), { env: o.env });
    const names = fill.stdout.split('\n').filter((l) => l.includes(': building because ')).length;

    // One untimed run with --json for the bytes each hit moves.
    await rm(o.out, { recursive: true, force: true });
    const probe = await timed(process.execPath, o.args(o.out, ['--json']), { env: o.env });
    const bytes = events(probe.stdout).filter((e) => e.type === 'cache-hit').reduce((n, h) => n + h.bytes, 0);
    const local = [];
    for (let i = 0; i < reps; i++) {
      await rm(o.out, { recursive: true, force: true });
      const r = await timed(process.execPath, o.args(o.out), { env: o.env });
      expectHits(r, 'local cache', names);
      local.push(r.ms);
    }
    const remoteMs = [];
    for (let i = 0; i < Math.max(3, Math.ceil(reps / 2)); i++) {
      await rm(o.out, { recursive: true, force: true });
      await rm(join(o.cacheDir, 'outputs'), { recursive: true, force: true });
      const r = await timed(process.execPath, o.args(o.out, remote), { env: o.env });
      expectHits(r, 'remote cache', names);
      remoteMs.push(r.ms);
    }
    return { extensions: names, bytes, fillMs: fill.ms, local: summarize(local), remote: summarize(remoteMs) };
  } finally {
    await server.stop();
  }
}
