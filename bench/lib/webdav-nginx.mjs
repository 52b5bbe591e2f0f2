/**
 * Debian's real nginx (nginx-light) as a Bazel HTTP remote cache on 127.0.0.1: GET and WebDAV
 * PUT under one root, so `/ac/<key>` and `/cas/<sha256>` land as files in `<dir>/root`. Used by
 * the P5 benchmark and the output-cache integration test. Writes only under `dir`; stop() ends
 * exactly the master it started.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

export async function startWebdavNginx(dir) {
  const root = join(dir, 'root');
  await mkdir(root, { recursive: true });
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
  access_log ${dir}/access.log;
  sendfile on;
  client_body_temp_path ${dir}/tmp;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { dav_methods PUT; create_full_put_path on; dav_access user:rw group:r all:r; }
  }
}
`,
  );
  const proc = spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise((ok) => proc.on('exit', ok));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${url}/`).then(() => true, () => false)); i++) {
    if (i > 100 || proc.exitCode !== null) throw new Error(`nginx (nginx-light, WebDAV) did not start on ${url}: ${stderr}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    url,
    root,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGQUIT');
      await exited;
    },
  };
}
