/**
 * Wall time of `tczbuild test containerd` on the stand-in box (TCG), the booted-box check a
 * user runs after a build: boot, tce-load -wi of containerd's whole .dep closure, then
 * containerd's test: steps (cgroupfs, containerd, two containers). Target: under 3 minutes on
 * 2 cores. The project (stand-in box, containerd.tcz from Debian's binaries, overlayfs module,
 * stand-in upstream) is prepared first and not timed. Prints the steps and writes
 * bench/results/box.json. Run: npm run build && node --import tsx bench/box/run.ts [--reps N]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createBoxProject } from '../../test/integration/helpers/box-project.js';

const repo = resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const reps = Number(args.includes('--reps') ? args[args.indexOf('--reps') + 1] : 1);
const targetSeconds = 180;

const dir = await mkdtemp(join(tmpdir(), 'tczbuild-bench-box-'));
const project = await createBoxProject(dir);
const runs: Array<{ seconds: number; ok: boolean; steps: Array<{ title: string; status: string; seconds: number }> }> = [];
try {
  for (let i = 0; i < reps; i++) {
    const started = process.hrtime.bigint();
    let out = '';
    let ok = true;
    try {
      // asynchronous: the stand-in upstream server answers from this process meanwhile
      ({ stdout: out } = await promisify(execFile)('node', [join(repo, 'dist/cli/main.js'), 'test', 'containerd', '--box', project.box, '--upstream', project.upstream.url, '--log-dir', join(dir, `log-${i}`), '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 }));
    } catch (error) {
      out = (error as { stdout?: string }).stdout ?? '';
      ok = false;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const steps = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { data?: { box?: string; title: string; status: string; ms: number } })
      .filter((e) => e.data?.box === 'step').map((e) => ({ title: e.data!.title, status: e.data!.status, seconds: e.data!.ms / 1000 }));
    runs.push({ seconds, ok, steps });
    if (!ok) for (const l of out.split('\n').filter((x) => x.includes('"diagnostic"'))) console.log(JSON.parse(l).diagnostic.message);
    console.log(`run ${i + 1}: ${seconds.toFixed(1)} s ${ok ? 'passed' : 'FAILED'}`);
    for (const s of steps) console.log(`  ${s.status.padEnd(4)} ${s.seconds.toFixed(1).padStart(6)} s  ${s.title}`);
  }
} finally {
  await project.upstream.close();
  await rm(dir, { recursive: true, force: true });
}
const best = Math.min(...runs.map((r) => r.seconds));
console.log(`\ntczbuild test containerd on the stand-in box (TCG, ${cpus().length} CPUs): ${best.toFixed(1)} s (target < ${targetSeconds} s)`);
await mkdir(join(repo, 'bench/results'), { recursive: true });
await writeFile(join(repo, 'bench/results/box.json'), `${JSON.stringify({ measure: 'tczbuild test containerd, stand-in box, TCG', cpus: cpus().length, targetSeconds, bestSeconds: best, runs }, null, 2)}\n`);
