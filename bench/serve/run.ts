/**
 * Serve benchmark: the same mirror tree served by `tczbuild serve`, `python3 -m http.server`
 * and nginx (Debian nginx-light, one worker, sendfile on), all on 127.0.0.1, measured by one
 * bounded Node client: throughput for a ~100 MB .tcz (sequential downloads, best and median)
 * and requests/s for small companion files (fixed concurrency, bounded count and time).
 * Prints a table and writes bench/results/serve.json. Loopback only; nothing leaves the host.
 *
 * Run: node --import tsx bench/serve/run.ts [--big-mb 100] [--rounds 5] [--small-requests 20000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const bigMb = opt('--big-mb', 100);
const bigRuns = opt('--rounds', 5);
const smallRequests = opt('--small-requests', 20000);
const smallConcurrency = opt('--concurrency', 16);
const timeCapMs = opt('--time-cap-s', 20) * 1000;
const tczPath = '/11.x/x86_64/tcz';
const smallCount = 200;

interface Server {
  readonly name: string;
  readonly port: number;
  readonly proc: ChildProcess;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
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
  servers.push({ name: 'tczbuild serve', port: tcz, proc: spawn('node', ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'serve', '--out', root, '--port', String(tcz)], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] }) });
  const py = await freePort();
  servers.push({ name: 'python3 -m http.server', port: py, proc: spawn('python3', ['-m', 'http.server', String(py), '--bind', '127.0.0.1', '--directory', root], { stdio: 'ignore' }) });
  const ngx = await freePort();
  const conf = join(work, 'nginx.conf');
  await writeFile(conf, nginxConf(root, work, ngx));
  servers.push({ name: 'nginx', port: ngx, proc: spawn('nginx', ['-c', conf, '-p', work, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] }) });
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

/** Download the big file once and return MB/s (the body is counted, not kept). */
async function largeOnce(port: number, agent: Agent): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = await get(port, `${tczPath}/big.tcz`, agent);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 200 || r.bytes !== bigMb * 1024 * 1024) throw new Error(`big download failed: ${r.status} ${r.bytes}`);
  return r.bytes / 1024 / 1024 / s;
}

/** Small files at fixed concurrency until `count` requests or the time cap; returns req/s. */
async function smallBatch(port: number, count: number): Promise<{ rps: number; requests: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: smallConcurrency });
  let issued = 0;
  let done = 0;
  let errors = 0;
  const t0 = Date.now();
  const worker = async (): Promise<void> => {
    while (issued < count && Date.now() - t0 < timeCapMs) {
      const n = issued++;
      const r = await get(port, `${tczPath}/ext${n % smallCount}.tcz.md5.txt`, agent).catch(() => ({ status: 0, bytes: 0 }));
      if (r.status === 200) done++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: smallConcurrency }, worker));
  agent.destroy();
  return { rps: done / ((Date.now() - t0) / 1000), requests: done, errors };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Row {
  large: { medianMBps: number; bestMBps: number; samples: number[] };
  small: { medianRps: number; samples: number[]; errors: number };
}

/**
 * Rounds interleave the servers (A B C, A B C, ...) so load from other processes on the
 * machine spreads over all of them instead of skewing one; medians are reported.
 */
async function measure(servers: readonly Server[]): Promise<Record<string, Row>> {
  const rows: Record<string, Row> = {};
  const agents = new Map(servers.map((s) => [s.name, new Agent({ keepAlive: true, maxSockets: 1 })]));
  for (const s of servers) {
    rows[s.name] = { large: { medianMBps: 0, bestMBps: 0, samples: [] }, small: { medianRps: 0, samples: [], errors: 0 } };
    await largeOnce(s.port, agents.get(s.name)!); // warm page cache and connection
  }
  for (let round = 0; round < bigRuns; round++) {
    for (const s of servers) {
      const row = rows[s.name]!;
      row.large.samples.push(await largeOnce(s.port, agents.get(s.name)!));
      const small = await smallBatch(s.port, Math.ceil(smallRequests / bigRuns));
      row.small.samples.push(small.rps);
      row.small.errors += small.errors;
    }
    process.stderr.write(`round ${round + 1}/${bigRuns} done\n`);
  }
  for (const s of servers) {
    const row = rows[s.name]!;
    row.large.medianMBps = median(row.large.samples);
    row.large.bestMBps = Math.max(...row.large.samples);
    row.small.medianRps = median(row.small.samples);
    agents.get(s.name)!.destroy();
  }
  return rows;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'tczbuild-bench-'));
  const root = join(work, 'tree');
  await chmod(work, 0o755); // nginx workers run as nobody
  const servers: Server[] = [];
  try {
    await makeTree(root);
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
  const lines = [
    `| server | ${bigMb} MB file, median MB/s | best MB/s | small files req/s (c=${smallConcurrency}) |`,
    '| --- | ---: | ---: | ---: |',
    ...Object.entries(rows).map(([name, r]) => `| ${name} | ${r.large.medianMBps.toFixed(0)} | ${r.large.bestMBps.toFixed(0)} | ${r.small.medianRps.toFixed(0)} |`),
  ];
  const ratios = {
    largeVsNginx: ratio(tcz?.large.medianMBps, ngx?.large.medianMBps),
    largeVsPython: ratio(tcz?.large.medianMBps, py?.large.medianMBps),
    smallVsNginx: ratio(tcz?.small.medianRps, ngx?.small.medianRps),
    smallVsPython: ratio(tcz?.small.medianRps, py?.small.medianRps),
  };
  lines.push('', `tczbuild/nginx: large ${ratios.largeVsNginx.toFixed(2)}x, small ${ratios.smallVsNginx.toFixed(2)}x; tczbuild/python: large ${ratios.largeVsPython.toFixed(2)}x, small ${ratios.smallVsPython.toFixed(2)}x`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const result = { date: new Date().toISOString(), bigMb, bigRuns, smallRequests, smallConcurrency, node: process.version, servers: rows, ratios };
  const out = join(repo, 'bench', 'results', 'serve.json');
  void mkdir(dirname(out), { recursive: true }).then(() => writeFile(out, `${JSON.stringify(result, null, 2)}\n`));
}

await main();
