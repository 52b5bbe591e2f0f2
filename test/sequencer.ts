/**
 * The order test files start in. Unit and integration files share one pool of workers
 * (vitest.config.ts), so the files that take longest must start first, whatever their project:
 * a long file started late runs alone at the end and sets the wall clock. Vitest starts the
 * files it has timings for longest first, but a fresh clone (CI) has none and it falls back to
 * file size. The files below took longest in CI runs; they start first, in this order; every
 * other file keeps vitest's own order after them.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Longest first, as measured in full runs (seconds in a CI run with files one at a time); the
 * files that boot the box take turns in one lane (test/helpers/file-lock.ts) beside
 * box-containerd, so the short boots come after the CPU-heavy files.
 */
export const slowFirst: readonly string[] = [
  'test/integration/box-containerd.test.ts', // 175: one boot, containerd and the real faasd
  // clone, setup.sh, then the demo's boot in the boot lane beside the checks of a second clone
  'test/integration/readme-quickstart.test.ts',
  'test/integration/kernel-module-build.test.ts', // 59: overlay.ko compiled from source
  'test/integration/faults-interrupt.test.ts', // 41
  'test/initd/faasd-script.test.ts', // 36
  'test/integration/output-cache.test.ts', // 28
  // one boot for every fixture, two of hang alone for the bound (2 s, and one landing in its endless step); after the readme demo in the boot lane
  'test/integration/box-guest.test.ts',
  'test/integration/kconfig-olddefconfig.test.ts', // 20
  'test/integration/faults-concurrent.test.ts', // 18
  'test/integration/containerd-real.test.ts', // 14
  'test/integration/faults-process.test.ts', // 13
  'test/faults/bad-input.test.ts', // 12
  'test/faults/network.test.ts', // 12
  'test/initd/daemon-script.test.ts', // 12
  'test/integration/serve-limits.test.ts', // 11
  'test/integration/shard.test.ts', // 11
  'test/initd/containerd-script.test.ts', // 9
  'test/integration/verify-defects.test.ts', // 7
  'test/integration/faults-publish.test.ts', // 7
  'test/integration/targets.test.ts', // 6
  'test/integration/serve-upstream-bounds.test.ts', // 6
  'test/integration/noop-stamp.test.ts', // 5
  'test/cli/download-lines.test.ts', // 5
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const at = slowFirst.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return at < 0 ? slowFirst.length : at;
    };
    // stable: listed files move to the front in their order, the rest keep vitest's order
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}
