/**
 * What `tczbuild test` checks on the host before booting: the ELF files each install brings (the
 * extension and its `.dep` closure in the served mirror) must start on the box — their loader
 * exists there, no GLIBC_x.y they need is newer than the box's glibc, and every NEEDED library is
 * in the extension, its dependencies or the target's base system. A stand-in box runs its
 * host's glibc, not TinyCore's, so this is where the target's floor is enforced; a failing
 * install step names the binary and the symbol or loader. Uses verify's checks; decides nothing
 * else.
 */
import { join } from 'node:path';
import { findRelease } from '../tinycore/releases.js';
import type { Target } from '../recipe/model.js';
import type { BoxStep } from './plan.js';

export interface Preflight {
  readonly steps: BoxStep[];
  /** The glibc installed ELF files were judged against, or why none was. */
  readonly floor: string;
}

/** The glibc floor of a box: what its definition says it runs, else its target release's. */
export function boxGlibc(target: Target, declared?: string): string | 'unknown' {
  return declared ?? findRelease(target.tcVersion, target.arch)?.glibc ?? 'unknown';
}

export async function preflight(mirrorRoot: string, target: Target, steps: readonly BoxStep[], env: NodeJS.ProcessEnv, declaredGlibc?: string): Promise<Preflight> {
  const { verifyMirror } = await import('../mirror/verify/run.js');
  const { withDepClosure } = await import('../mirror/verify/context.js');
  const { listExtensions } = await import('../mirror/scan.js');
  const tczDir = join(mirrorRoot, `${target.tcVersion}.x`, target.arch, 'tcz');
  const glibc = boxGlibc(target, declaredGlibc);
  const present = new Set(await listExtensions(tczDir));
  const installs = steps.filter((s): s is Extract<BoxStep, { kind: 'install' }> => s.kind === 'install');
  const closures = new Map<string, string[]>();
  for (const s of installs) closures.set(s.extension, await withDepClosure(tczDir, [`${s.extension}.tcz`], present));
  const names = [...new Set([...closures.values()].flat())];
  if (names.length === 0) return { steps: [...steps], floor: glibc };
  const report = await verifyMirror(tczDir, { tcVersion: target.tcVersion, arch: target.arch, onlyExtensions: names, env, ...(glibc !== 'unknown' ? { glibc } : {}) });
  // what a box refuses to start: the glibc floor, a missing loader, a library nothing provides
  const wanted = new Set(['elf-glibc-floor', 'tcz-elf-interpreter', 'elf-needed-missing']);
  const findings = report.diagnostics.filter((d) => wanted.has(d.id));
  const ofExtension = (name: string): string[] =>
    findings.filter((d) => d.file?.split('/').pop() === name).map((d) => `${name}: ${d.message}${d.id === 'elf-glibc-floor' && declaredGlibc ? ` (this box runs glibc ${declaredGlibc})` : ''}`);
  return {
    floor: glibc,
    steps: steps.map((s) => {
      if (s.kind !== 'install') return s;
      const reasons = (closures.get(s.extension) ?? []).flatMap(ofExtension);
      return reasons.length ? { ...s, refused: reasons.join('; ').replace(/\s+/g, ' ') } : s;
    }),
  };
}
