/**
 * Serve benchmark: the same mirror tree served by `tczbuild serve`, `python3 -m http.server`
 * and nginx (Debian nginx-light, one worker, sendfile on), all on 127.0.0.1, measured by the
 * same clients that are not Node, so the client is not what is measured: `curl` for a ~100 MB
 * .tcz (sequential downloads), `ab -k` and `wrk` for small companion files at a fixed
 * concurrency. nginx's large-file rate shows the client's headroom (curl must reach >= 1 GB/s
 * there). Rounds interleave the servers; medians and spreads are reported.
 * Prints a table and writes bench/results/serve.json. Loopback only; nothing leaves the host.
 *
 * Run: node --import tsx bench/serve/run.ts [--big-mb 100] [--rounds 5] [--small-seconds 2]
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { abArgs, abResult } from '../lib/ab.mjs';
import { launcherFlags } from '../lib/measure.mjs';
import { freePort } from '../../src/demo/free-port.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const bigMb = opt('--big-mb', 100);
const bigRuns = opt('--rounds', 5);
const smallSeconds = opt('--small-seconds', 2);
const smallConcurrency = opt('--concurrency', 16);
const timeCapMs = opt('--time-cap-s', 20) * 1000;
const tczPath = '/11.x/x86_64/tcz';
// Servers on CPU 0, clients on the others (taskset, util-linux): on a 2-core machine a server
// and ab that the scheduler happens to put on one core share it, and the same server measured
// twice gave 17k or 28k req/s by placement alone. Pinned, it measures the server, as a client
// on another machine would. Every server is pinned alike, its helper threads (Node's GC, its
// thread pool) included. --no-pin leaves placement to the scheduler.
const cores = availableParallelism();
const pin = !args.includes('--no-pin') && cores > 1;
const onServerCpu = (cmd: string, argv: readonly string[]): [string, string[]] => (pin ? ['taskset', ['-c', '0', cmd, ...argv]] : [cmd, [...argv]]);
const onClientCpus = (cmd: string, argv: readonly string[]): [string, string[]] => (pin ? ['taskset', ['-c', `1-${cores - 1}`, cmd, ...argv]] : [cmd, [...argv]]);
const smallCount = 200;

interface Server {
  readonly name: string;
  readonly port: number;
  readonly proc: ChildProcess;
}

async function makeTree(root: string): Promise<void> {
  const dir = join(root, tczPath);
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(join(dir, 'big.tcz'));
  for (let i = 0; i < bigMb; i++) if (!out.write(randomBytes(1024 * 1024))) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r, j) => {
    out.on('error', j);
    out.end(() => r());
  });
  for (let i = 0; i < smallCount; i++) await writeFile(join(dir, `ext${i}.tcz.md5.txt`), `${randomBytes(16).toString('hex')}  ext${i}.tcz\n`);
}

async function waitUp(port: number, proc: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    const ok = await get(port, `${tczPath}/ext0.tcz.md5.txt`, new Agent()).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start on port ${port}`);
}

async function startServers(root: string, work: string, servers: Server[]): Promise<void> {
  const tcz = await freePort();
  // the built CLI when there is one (npm run bench builds it), as users run it
  const bin = join(repo, 'dist/cli/main.js');
  const cli = existsSync(bin) ? [...launcherFlags(bin), bin] : ['--import', 'tsx', join(repo, 'src/cli/main.ts')];
  servers.push({ name: 'tczbuild serve', port: tcz, proc: spawn(...onServerCpu('node', [...cli, 'serve', '--out', root, '--port', String(tcz)]), { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] }) });
  // --also DIR: another checkout's built serve beside this one (before/after in one run)
  const also = args.includes('--also') ? resolve(args[args.indexOf('--also') + 1]!) : undefined;
  if (also) {
    const port = await freePort();
    servers.push({ name: `tczbuild serve (${also})`, port, proc: spawn(...onServerCpu('node', [...launcherFlags(join(also, 'dist/cli/main.js')), join(also, 'dist/cli/main.js'), 'serve', '--out', root, '--port', String(port)]), { cwd: also, stdio: ['ignore', 'ignore', 'inherit'] }) });
  }
  const py = await freePort();
  servers.push({ name: 'python3 -m http.server', port: py, proc: spawn(...onServerCpu('python3', ['-m', 'http.server', String(py), '--bind', '127.0.0.1', '--directory', root]), { stdio: 'ignore' }) });
  const ngx = await freePort();
  const conf = join(work, 'nginx.conf');
  await writeFile(conf, nginxConf(root, work, ngx));
  servers.push({ name: 'nginx', port: ngx, proc: spawn(...onServerCpu('nginx', ['-c', conf, '-p', work, '-g', 'daemon off;']), { stdio: ['ignore', 'ignore', 'inherit'] }) });
  for (const s of servers) await waitUp(s.port, s.proc, s.name);
}

function nginxConf(root: string, work: string, port: number): string {
  return `worker_processes 1;
error_log ${work}/nginx-error.log;
pid ${work}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log ${work}/nginx-access.log;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path ${work}/cb; proxy_temp_path ${work}/px; fastcgi_temp_path ${work}/fc; uwsgi_temp_path ${work}/uw; scgi_temp_path ${work}/sc;
  server { listen 127.0.0.1:${port}; root ${root}; location / { } }
}
`;
}

function get(port: number, path: string, agent: Agent): Promise<{ status: number; bytes: number }> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A client run on the client CPUs; its stdout. */
function run(client: string, clientArgs: string[]): Promise<string> {
  const [cmd, argv] = onClientCpus(client, clientArgs);
  return new Promise((ok, fail) => execFile(cmd, argv, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => (err ? fail(new Error(`${cmd} ${argv.join(' ')}: ${err.message}\n${stderr}`)) : ok(stdout))));
}

/** Download the big file once with curl and return MB/s (curl's own timing; the body goes to /dev/null). */
async function largeOnce(port: number): Promise<number> {
  const out = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download} %{time_total}', `http://127.0.0.1:${port}${tczPath}/big.tcz`]);
  const [status, bytes, secs] = out.trim().split(' ').map(Number) as [number, number, number];
  if (status !== 200 || bytes !== bigMb * 1024 * 1024) throw new Error(`big download failed: ${status} ${bytes}`);
  return bytes / 1024 / 1024 / secs;
}

/** `ab -k` on one small file for `seconds`, from the client CPUs; req/s and errors. */
async function smallAb(port: number, seconds: number): Promise<{ rps: number; errors: number }> {
  return abResult(await run('ab', abArgs(`http://127.0.0.1:${port}${tczPath}/ext7.tcz.md5.txt`, seconds, smallConcurrency)));
}

/** `wrk`: two threads, the same concurrency, for a few seconds; req/s (a second client, to show ab is not the limit). */
async function smallWrk(port: number, seconds: number): Promise<{ rps: number; errors: number }> {
  const out = await run('wrk', ['-t', '2', '-c', String(smallConcurrency), '-d', `${seconds}s`, `http://127.0.0.1:${port}${tczPath}/ext7.tcz.md5.txt`]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*?(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, errors };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Series {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

interface Row {
  large: Series;
  small: Series & { errors: number };
  smallWrk: Series & { errors: number };
}

const series = (): Series & { errors: number } => ({ median: 0, min: 0, max: 0, samples: [], errors: 0 });
function close(s: Series): void {
  s.median = median(s.samples);
  s.min = Math.min(...s.samples);
  s.max = Math.max(...s.samples);
}

/**
 * Rounds interleave the servers (A B C, A B C, ...) so load from other processes on the
 * machine spreads over all of them instead of skewing one; medians are reported.
 */
async function measure(servers: readonly Server[]): Promise<Record<string, Row>> {
  const rows: Record<string, Row> = {};
  for (const s of servers) {
    rows[s.name] = { large: series(), small: series(), smallWrk: series() };
    // Warm-up, not measured, the same for every server: the page cache (one large download),
    // and a server's own start-up on the small-file path (a JIT compiling its handler, a cache
    // filling). A Node server answers its first few thousand requests at a quarter of its
    // steady rate; a mirror serves for days, so the steady rate is the one compared.
    await largeOnce(s.port);
    await smallAb(s.port, 1);
  }
  for (let round = 0; round < bigRuns; round++) {
    for (const s of servers) {
      const row = rows[s.name]!;
      row.large.samples.push(await largeOnce(s.port));
      const ab = await smallAb(s.port, smallSeconds);
      row.small.samples.push(ab.rps);
      row.small.errors += ab.errors;
      const wrk = await smallWrk(s.port, smallSeconds);
      row.smallWrk.samples.push(wrk.rps);
      row.smallWrk.errors += wrk.errors;
    }
    process.stderr.write(`round ${round + 1}/${bigRuns} done\n`);
  }
  for (const s of servers) for (const x of Object.values(rows[s.name]!)) close(x);
  return rows;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'tczbuild-bench-'));
  const root = join(work, 'tree');
  await chmod(work, 0o755); // nginx workers run as nobody
  const servers: Server[] = [];
  try {
    await makeTree(root);
    // the 100 MB just written is dirty page cache: flushed now, its writeback does not run beside the rounds
    await run('sync', []);
    await startServers(root, work, servers);
    report(await measure(servers));
  } finally {
    for (const s of servers) s.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await rm(work, { recursive: true, force: true });
  }
}

function report(rows: Record<string, Row>): void {
  const tcz = rows['tczbuild serve'];
  const ngx = rows.nginx;
  const py = rows['python3 -m http.server'];
  const ratio = (a = 0, b = 0): number => (b > 0 ? a / b : 0);
  const spread = (x: Series): string => `${x.min.toFixed(0)}–${x.max.toFixed(0)}`;
  const lines = [
    `| server | ${bigMb} MB file (curl), median MB/s | spread | small file req/s (ab -k -c ${smallConcurrency}) | spread | (wrk -t2 -c ${smallConcurrency}) | spread |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(rows).map(([name, r]) => `| ${name} | ${r.large.median.toFixed(0)} | ${spread(r.large)} | ${r.small.median.toFixed(0)} | ${spread(r.small)} | ${r.smallWrk.median.toFixed(0)} | ${spread(r.smallWrk)} |`),
  ];
  const ratios = {
    largeVsNginx: ratio(tcz?.large.median, ngx?.large.median),
    largeVsPython: ratio(tcz?.large.median, py?.large.median),
    smallVsNginx: ratio(tcz?.small.median, ngx?.small.median),
    smallVsNginxWrk: ratio(tcz?.smallWrk.median, ngx?.smallWrk.median),
    smallVsPython: ratio(tcz?.small.median, py?.small.median),
  };
  const clientHeadroomMBps = ngx?.large.median ?? 0;
  lines.push(
    '',
    `tczbuild/nginx: large ${ratios.largeVsNginx.toFixed(2)}x (target >= 0.8), small ${ratios.smallVsNginx.toFixed(2)}x with ab, ${ratios.smallVsNginxWrk.toFixed(2)}x with wrk (target >= 0.6); tczbuild/python: large ${ratios.largeVsPython.toFixed(2)}x (target >= 1.2), small ${ratios.smallVsPython.toFixed(2)}x`,
    `client headroom: curl takes ${clientHeadroomMBps.toFixed(0)} MB/s from nginx (${clientHeadroomMBps >= 1000 ? 'not the limit' : 'BELOW 1 GB/s: the client or the machine limits these figures'})`,
    `placement: ${pin ? 'every server on CPU 0, every client on CPUs 1-' + (cores - 1) + ' (taskset)' : 'left to the scheduler (--no-pin or one CPU)'}; small-file samples of ${smallSeconds} s after a 1 s warm-up`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  const result = { date: new Date().toISOString(), clients: { large: 'curl', small: ['ab -k', 'wrk -t2'] }, bigMb, bigRuns, smallSeconds, smallConcurrency, placement: pin ? 'servers on CPU 0, clients on the others' : 'unpinned', node: process.version, servers: rows, ratios, clientHeadroomMBps };
  const out = join(repo, 'bench', 'results', 'serve.json');
  void mkdir(dirname(out), { recursive: true }).then(() => writeFile(out, `${JSON.stringify(result, null, 2)}\n`));
}

await main();
