/**
 * P5, the output cache: `tczbuild all` into an empty out/ when the local output cache already
 * holds every build key, and when only a remote cache does (Debian's nginx with WebDAV PUT on
 * 127.0.0.1, the Bazel HTTP protocol), with the bytes each hit moved. Also times the first
 * build that fills both caches (build + store + upload). Starts and stops its own nginx; writes
 * only under the work directory it is given.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { timed, timedCpu } from './measure.mjs';
import { summarize } from './stats.mjs';
import { startWebdavNginx } from './webdav-nginx.mjs';

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
  const server = await startWebdavNginx(join(o.work, 'remote-cache'));
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
    const localCpu = [];
    for (let i = 0; i < reps; i++) {
      await rm(o.out, { recursive: true, force: true });
      const r = await timedCpu(process.execPath, o.args(o.out), { env: o.env });
      expectHits(r, 'local cache', names);
      local.push(r.ms);
      localCpu.push(r.cpuMs);
    }
    // The floor under any run that loads the recipes: `build NAME` with nothing to do (a
    // selection never takes the no-op stamp), so P5 minus this is what the cache hit costs.
    const floor = [];
    const floorCpu = [];
    for (let i = 0; i < reps; i++) {
      const r = await timedCpu(process.execPath, o.floorArgs(o.out), { env: o.env });
      if (!/nothing to do/.test(r.stdout)) throw new Error(`the floor run did work:\n${r.stdout}${r.stderr}`);
      floor.push(r.ms);
      floorCpu.push(r.cpuMs);
    }
    const remoteMs = [];
    for (let i = 0; i < Math.max(3, Math.ceil(reps / 2)); i++) {
      await rm(o.out, { recursive: true, force: true });
      await rm(join(o.cacheDir, 'outputs'), { recursive: true, force: true });
      const r = await timed(process.execPath, o.args(o.out, remote), { env: o.env });
      expectHits(r, 'remote cache', names);
      remoteMs.push(r.ms);
    }
    return { extensions: names, bytes, fillMs: fill.ms, local: summarize(local), localCpu: summarize(localCpu), floor: summarize(floor), floorCpu: summarize(floorCpu), remote: summarize(remoteMs) };
  } finally {
    await server.stop();
  }
}
