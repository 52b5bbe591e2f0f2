/**
 * Measuring instruments for the build benchmark: wall time of a command, peak RSS as
 * `/usr/bin/time -v` reports it, a /proc sampler that splits peak memory per process
 * (tczbuild's node vs mksquashfs) and the whole process tree, and a description of the machine.
 * Runs commands; never changes the inputs it is pointed at.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';

/**
 * The node flags the bin's shebang gives (`#!/usr/bin/env -S node --flag ...`): the bench runs
 * `node FLAGS dist/cli/main.js`, which is what `npx tczbuild` and a linked `tczbuild` run.
 */
export function launcherFlags(cli) {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+--\S+)*)\s*$/.exec(first);
  if (!m) throw new Error(`${cli}: the bench reads node's flags from the shebang, and cannot read ${JSON.stringify(first)}`);
  return m[1].trim().split(/\s+/).filter(Boolean);
}

/** [flags..., cli]: how the bin starts node. */
export const launch = (cli) => [...launcherFlags(cli), cli];

/** Run to completion; resolve wall milliseconds, reject with stderr on a non-zero exit. */
export function timed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const sampler = opts.sample ? sampleTree(child.pid) : undefined;
    child.on('close', (code) => {
      const ms = performance.now() - start;
      const memory = sampler?.stop();
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${err}${out}`.slice(0, 4000)));
      else resolve({ ms, stdout: out, stderr: err, memory });
    });
  });
}

/**
 * Wall time and CPU seconds (user+sys of the command and everything it waited for). On a
 * shared machine wall time swings with other load; CPU time shows the work actually done.
 */
export async function timedCpu(cmd, args, opts = {}) {
  const file = `/tmp/tczbuild-bench-time-${process.pid}`;
  try {
    const r = await timed('/usr/bin/time', ['-f', '%U %S', '-o', file, cmd, ...args], opts);
    const [user, sys] = readFileSync(file, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    return { ...r, cpuMs: (user + sys) * 1000 };
  } finally {
    rmSync(file, { force: true });
  }
}

/** `/usr/bin/time -v`: its maximum resident set size (kB) is the largest single process it saw. */
export async function peakRssViaTime(cmd, args, opts = {}) {
  const r = await timed('/usr/bin/time', ['-v', cmd, ...args], { ...opts, sample: true });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`/usr/bin/time -v printed no maximum RSS (apt-get install time):\n${r.stderr.slice(-2000)}`);
  return { maxRssKb: Number(m[1]), ms: r.ms, memory: r.memory };
}

function readStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { name: /^Name:\s+(.*)$/m.exec(text)?.[1] ?? '?', rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

function descendants(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const c of readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      // exited between reads
    }
  }
  return out;
}

/** Every 20 ms: per-process peak (VmHWM, by name) and the peak of the tree's summed RSS. */
export function sampleTree(root) {
  const perName = {};
  let treePeak = 0;
  const tick = () => {
    let sum = 0;
    for (const pid of descendants(root)) {
      const s = readStatus(pid);
      if (!s) continue;
      sum += s.rss;
      perName[s.name] = Math.max(perName[s.name] ?? 0, s.hwm);
    }
    treePeak = Math.max(treePeak, sum);
  };
  const timer = setInterval(tick, 20);
  tick();
  return {
    stop() {
      clearInterval(timer);
      return { perProcessPeakKb: perName, treePeakKb: treePeak };
    },
  };
}

export function machine() {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    model,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    kernel: execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(),
    node: process.version,
    mksquashfs: execFileSync('mksquashfs', ['-version'], { encoding: 'utf8' }).split('\n')[0].trim(),
  };
}
