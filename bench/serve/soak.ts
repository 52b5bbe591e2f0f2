/**
 * Serve soak: `tczbuild serve` (its own process) while N clients request a big file and never
 * read, next to C ordinary clients downloading small files. Reports the server's resident
 * memory idle, at its peak during the soak and after the stalled clients leave, and the
 * ordinary clients' latency before and during the soak. Targets (issue 12): peak < 300 MB with
 * 1000 stalled readers, back near idle after. Writes bench/results/serve-soak.json.
 *
 * Run: node --import tsx bench/serve/soak.ts [--stalled 1000] [--clients 8] [--file-mb 50]
 *      [--hold-s 20] [--settle-s 10] [--repo DIR]   (--repo: serve another checkout, to compare)
 */
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryMiB, openStalledReaders, sleep, startServeProcess } from '../../test/mirror/soak.js';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const stalledCount = Number(opt('--stalled', '1000'));
const clients = Number(opt('--clients', '8'));
const fileMb = Number(opt('--file-mb', '50'));
const holdMs = Number(opt('--hold-s', '20')) * 1000;
const settleMs = Number(opt('--settle-s', '10')) * 1000;
const repo = resolve(opt('--repo', here));
const dir = '/11.x/x86_64/tcz';

function get(url: string, agent: Agent): Promise<number> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? done(performance.now() - t0) : fail(new Error(`status ${res.statusCode}`))));
      res.on('error', fail);
    })
      .on('error', fail)
      .end();
  });
}

/** C clients fetching small files back to back until stop() is called; latencies in ms. */
function normalClients(base: string): { stop: () => Promise<{ latencies: number[]; errors: number }> } {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let errors = 0;
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; running; i++) {
      await get(`${base}${dir}/ext${(c * 7 + i) % 100}.tcz.md5.txt`, agent).then((ms) => void latencies.push(ms), () => void errors++);
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return { latencies, errors };
    },
  };
}

function percentiles(ms: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN) * 100) / 100;
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

const root = await mkdtemp(join(tmpdir(), 'tczbuild-soak-'));
await mkdir(join(root, dir), { recursive: true });
await writeFile(join(root, dir, 'big.tcz'), '');
await truncate(join(root, dir, 'big.tcz'), fileMb * 1024 * 1024);
for (let i = 0; i < 100; i++) await writeFile(join(root, dir, `ext${i}.tcz.md5.txt`), `${i.toString(16).padStart(32, '0')}  ext${i}.tcz\n`);
// the default cap (1024) holds 1000 stalled readers plus the ordinary clients; only raise it beyond
const cap = stalledCount + clients + 16 > 1024 ? ['--max-connections', String(stalledCount + clients + 64)] : [];
const serve = await startServeProcess(repo, root, ['--quiet', ...cap]);
try {
  await sleep(1000);
  const idle = await memoryMiB(serve.pid);

  const calm = normalClients(serve.url);
  await sleep(5000);
  const before = percentiles((await calm.stop()).latencies);

  const t0 = performance.now();
  const stalled = await openStalledReaders(serve.url, `${dir}/big.tcz`, stalledCount);
  const openedMs = performance.now() - t0;
  const busy = normalClients(serve.url);
  let peak = 0;
  const end = Date.now() + holdMs;
  while (Date.now() < end) {
    peak = Math.max(peak, (await memoryMiB(serve.pid)).rss);
    await sleep(250);
  }
  const duringRun = await busy.stop();
  const during = percentiles(duringRun.latencies);
  const hwm = (await memoryMiB(serve.pid)).peak;
  for (const s of stalled) s.destroy();
  await sleep(settleMs);
  const after = await memoryMiB(serve.pid);

  const result = {
    when: new Date().toISOString(),
    node: process.version,
    repo,
    stalledReaders: stalledCount,
    fileMiB: fileMb,
    normalClients: clients,
    openStalledMs: Math.round(openedMs),
    holdS: holdMs / 1000,
    settleS: settleMs / 1000,
    rssMiB: { idle: Math.round(idle.rss), peakSampled: Math.round(peak), peakVmHWM: Math.round(hwm), afterDisconnect: Math.round(after.rss) },
    latencyMs: { before, during, errorsDuring: duringRun.errors },
    targets: { peakUnder300MiB: hwm < 300, afterWithin50MiBOfIdle: after.rss - idle.rss < 50 },
  };
  console.log(JSON.stringify(result, null, 2));
  if (repo === here) {
    await mkdir(join(here, 'bench/results'), { recursive: true });
    await writeFile(join(here, 'bench/results/serve-soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
} finally {
  serve.proc.kill('SIGTERM');
  await serve.proc;
  await rm(root, { recursive: true, force: true });
}
