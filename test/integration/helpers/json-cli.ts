/**
 * Running the real CLI in its own process with --json (dist/cli/main.js, which the suite's global
 * setup rebuilds whenever it is older than src/), for the output-cache and shard tests: its
 * events parsed, a fresh copy of a project as a CI job checks it out, and the published mirror
 * without tczbuild's private state. A process of its own, so PATH (and the mksquashfs first on
 * it) is the test's.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { snapshotTree } from '../../helpers/tree-snapshot.js';

const repo = join(import.meta.dirname, '..', '..', '..');

export interface Event {
  type: string;
  name?: string;
  stage?: string;
  cache?: string;
  message?: string;
  diagnostic?: { id: string; severity: string; message: string };
}
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  events: Event[];
}

/** `tczbuild ARGS --json` in cwd; with prependPath, that directory comes first on PATH. */
export async function tczbuildJson(cwd: string, args: string[], prependPath?: string): Promise<Run> {
  const PATH = prependPath !== undefined ? `${prependPath}:${process.env.PATH}` : process.env.PATH;
  const env = { ...process.env, PATH, SOURCE_DATE_EPOCH: '1600000000', CI: 'true' };
  const argv = [join(repo, 'dist/cli/main.js'), ...args, '--json'];
  const r = await promisify(execFile)(process.execPath, argv, { cwd, env, maxBuffer: 1 << 26 }).then(
    (o) => ({ code: 0, stdout: o.stdout, stderr: o.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
  const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Event);
  return { ...r, events };
}

/** A fresh copy of the project in projectDir (recipes and overlays only): no out/, no cache. */
export async function copyProject(projectDir: string, under: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(under, prefix));
  await cp(join(projectDir, 'recipes'), join(dir, 'recipes'), { recursive: true });
  await cp(join(projectDir, 'rootfs-overlays'), join(dir, 'rootfs-overlays'), { recursive: true });
  return dir;
}

/** The mirror a user gets: everything under out/ but tczbuild's private state. */
export async function mirror(dir: string): Promise<Record<string, string>> {
  const snap = await snapshotTree(join(dir, 'out'));
  return Object.fromEntries(Object.entries(snap).filter(([k]) => !k.startsWith('.tczbuild')));
}

/** Extensions the run packed, and those it took from a cache (with which cache). */
export const packed = (r: Run): string[] => r.events.filter((e) => e.type === 'stage-end' && e.stage === 'pack').map((e) => e.name!);
export const hits = (r: Run): Array<[string, string]> => r.events.filter((e) => e.type === 'cache-hit').map((e) => [e.name!, e.cache!]);
