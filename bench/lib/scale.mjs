/**
 * The many-small-extensions benchmarks:
 *   M200   `tczbuild all --no-output-cache` of 200 one-file recipes into an empty out/ from a warm
 *          source cache vs the serial shell loop (mkdir + cp + mksquashfs + md5sum), interleaved;
 *          target ratio <= 0.8 on 2 cores.
 *   S3000  3,000 one-file recipes: `all` wall time and peak RSS (target <= 150 MB), `verify`
 *          (<= 10 s), `index` (<= 3 s), no-op `all` (<= 1 s), and `serve`'s small-file request
 *          rate (ab -k) with 3,000 extensions in the directory vs one (independent of size),
 *          as the median ratio of back-to-back pairs.
 * Everything runs under a work directory given by the caller; nothing leaves the host.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { abArgs, abResult } from './ab.mjs';
import { manyShellScript, prepareMany } from './many.mjs';
import { launch, peakRssViaTime, timed, timedCpu } from './measure.mjs';
import { summarize } from './stats.mjs';

// the source cache is filled by `fetch` (what the measured runs then read), not by a whole build
const fetchArgs = (cli, dir) => [...launch(cli), 'fetch', '--recipes', join(dir, 'recipes'), '--cache', join(dir, 'cache')];
const allArgs = (cli, dir, extra = []) => [...launch(cli), 'all', '--recipes', join(dir, 'recipes'), '--out', join(dir, 'out'), '--cache', join(dir, 'cache'), '--no-output-cache', ...extra];

/** M200: interleaved reps of tczbuild vs the shell loop; samples in ms (wall and CPU). */
export async function measureMany({ cli, work, env, count = 200, reps = 5, log = () => undefined }) {
  const dir = join(work, `many-${count}`);
  const { sources, names } = await prepareMany(dir, count);
  const script = manyShellScript(sources, names, join(dir, 'shell'));
  await rm(join(dir, 'out'), { recursive: true, force: true });
  await timed(process.execPath, fetchArgs(cli, dir), { env }); // fills the source cache
  const tcz = [];
  const shell = [];
  const tczCpu = [];
  const shellCpu = [];
  for (let i = 0; i < reps; i++) {
    for (const who of i % 2 === 0 ? ['tcz', 'shell'] : ['shell', 'tcz']) {
      if (who === 'tcz') {
        await rm(join(dir, 'out'), { recursive: true, force: true });
        const r = await timedCpu(process.execPath, allArgs(cli, dir), { env });
        tcz.push(r.ms);
        tczCpu.push(r.cpuMs);
      } else {
        const r = await timedCpu('sh', ['-c', script], { env });
        shell.push(r.ms);
        shellCpu.push(r.cpuMs);
      }
    }
    log(`M${count} rep ${i + 1}/${reps}: tczbuild ${(tcz.at(-1) / 1000).toFixed(2)} s (cpu ${(tczCpu.at(-1) / 1000).toFixed(2)}), shell ${(shell.at(-1) / 1000).toFixed(2)} s (cpu ${(shellCpu.at(-1) / 1000).toFixed(2)})`);
  }
  // per-rep ratios: each pair ran back to back, so their ratio carries less of the machine's swing
  const ratios = tcz.map((t, i) => t / shell[i]);
  return { count, tcz: summarize(tcz), shell: summarize(shell), tczCpu: summarize(tczCpu), shellCpu: summarize(shellCpu), ratio: summarize(ratios) };
}

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function run(cmd, argv) {
  return new Promise((ok, fail) => execFile(cmd, argv, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => (err ? fail(new Error(`${cmd}: ${err.message}\n${stderr}`)) : ok(stdout))));
}

/** `tczbuild serve` over out/, `ab -k -c 16` on one companion file, `rounds` times; req/s samples. */
async function serveRate(cli, out, file, rounds, env) {
  const port = await freePort();
  const proc = spawn(process.execPath, [...launch(cli), 'serve', '--out', out, '--port', String(port), '--quiet'], { stdio: 'ignore', env });
  try {
    const url = `http://127.0.0.1:${port}/11.x/x86_64/tcz/${file}`;
    for (let i = 0; i < 100; i++) {
      if (await run('curl', ['-sf', '-o', '/dev/null', url]).then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // a second of warm-up, not measured (the server's JIT and small-file cache), then samples of
    // two seconds each, as in bench/serve/run.ts
    await run('ab', abArgs(url, 1, 16));
    const samples = [];
    for (let i = 0; i < rounds; i++) {
      const { rps, errors } = abResult(await run('ab', abArgs(url, 2, 16)));
      if (errors !== 0 || !(rps > 0)) throw new Error(`ab saw ${errors} failed requests and ${rps} req/s against ${url}`);
      samples.push(rps);
    }
    return summarize(samples);
  } finally {
    proc.kill('SIGTERM');
  }
}

/** S3000: the TinyCore-sized repository. */
export async function measureScale({ cli, work, env, count = 3000, small = 1, reps = 3, serveReps = 5, builds = 2, log = () => undefined }) {
  const dir = join(work, `many-${count}`);
  await prepareMany(dir, count);
  await rm(join(dir, 'out'), { recursive: true, force: true });
  const cold = await timed(process.execPath, fetchArgs(cli, dir), { env });
  log(`S${count}: source cache filled (tczbuild fetch) in ${(cold.ms / 1000).toFixed(1)} s`);
  // the peak of `builds` builds into an empty out/ (a spread, not one sample)
  const builds_ = [];
  for (let i = 0; i < builds; i++) {
    await rm(join(dir, 'out'), { recursive: true, force: true });
    builds_.push(await peakRssViaTime(process.execPath, allArgs(cli, dir), { env }));
    log(`S${count}: all into an empty out/ ${(builds_.at(-1).ms / 1000).toFixed(1)} s, peak RSS ${(builds_.at(-1).maxRssKb / 1024).toFixed(0)} MB`);
  }
  const build = builds_.reduce((a, b) => (b.maxRssKb > a.maxRssKb ? b : a));
  const noop = [];
  for (let i = 0; i < reps; i++) {
    const r = await timed(process.execPath, allArgs(cli, dir), { env });
    if (!/nothing to do/.test(r.stdout + r.stderr)) throw new Error(`the no-op build did work:\n${r.stdout.slice(0, 2000)}`);
    noop.push(r.ms);
  }
  const tczDir = join(dir, 'out', '11.x', 'x86_64', 'tcz');
  const verify = [];
  for (let i = 0; i < reps; i++) verify.push((await timed(process.execPath, [...launch(cli), 'verify', tczDir, '--recipes', join(dir, 'recipes')], { env })).ms);
  log(`S${count}: verify ${(Math.min(...verify) / 1000).toFixed(1)} s`);
  const index = [];
  for (let i = 0; i < reps; i++) index.push((await timed(process.execPath, [...launch(cli), 'index', tczDir], { env })).ms);
  // the same companion served from a directory of `count` extensions and from one of `small`
  const smallOut = join(work, `many-${count}-first-${small}`);
  await rm(smallOut, { recursive: true, force: true });
  await mkdir(join(smallOut, '11.x', 'x86_64', 'tcz'), { recursive: true });
  // extensions 7, 8, …: the served one is always among them
  for (let i = 7; i < 7 + small; i++) {
    const n = `bench${String(i).padStart(5, '0')}.tcz`;
    for (const suffix of ['', '.md5.txt', '.info', '.list']) await cp(join(tczDir, `${n}${suffix}`), join(smallOut, '11.x', 'x86_64', 'tcz', `${n}${suffix}`));
  }
  const file = 'bench00007.tcz.md5.txt';
  const rateBig = [];
  const rateSmall = [];
  // pairs of samples back to back, and their ratios: this machine has phases in which every
  // server answers at half its rate for tens of seconds, and a median of three samples per size
  // could take one size's from such a phase and the other's from outside it
  for (let i = 0; i < serveReps; i++) {
    rateBig.push((await serveRate(cli, join(dir, 'out'), file, 1, env)).median);
    rateSmall.push((await serveRate(cli, smallOut, file, 1, env)).median);
  }
  return {
    count,
    buildMs: build.ms,
    // the worst build's peak is the figure held against the target; all of them give the spread
    peakRssMB: build.maxRssKb / 1024,
    peakRss: summarize(builds_.map((b) => b.maxRssKb / 1024)),
    buildTime: summarize(builds_.map((b) => b.ms)),
    perProcessPeakMB: Object.fromEntries(Object.entries(build.memory?.perProcessPeakKb ?? {}).map(([k, v]) => [k, v / 1024])),
    noop: summarize(noop),
    verify: summarize(verify),
    index: summarize(index),
    serve: { [`${count}`]: summarize(rateBig), [`${small}`]: summarize(rateSmall) },
    serveRatio: summarize(rateBig.map((r, i) => r / rateSmall[i])),
  };
}
