/**
 * The order test files start in. Vitest starts the files it has timings for longest first, but a
 * fresh clone (CI) has none and it falls back to file size, so a half-minute file can start last
 * and run alone at the end. The files below took longest in CI runs; they start first, in this
 * order, within their project; every other file keeps vitest's own order after them.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Longest first, as measured in full runs (unit files run two at a time, integration one). */
export const slowFirst: readonly string[] = [
  'test/initd/faasd-script.test.ts',
  'test/faults/bad-input.test.ts',
  'test/faults/network.test.ts',
  'test/initd/daemon-script.test.ts',
  'test/cli/polish.test.ts',
  'test/box/core-scripts.test.ts',
  'test/cli/settings-table.test.ts',
  'test/cli/completion-pty.test.ts',
  'test/initd/containerd-script.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const at = slowFirst.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return at < 0 ? slowFirst.length : at;
    };
    // stable: projects stay where vitest put them, listed files move to the front of theirs
    const first = new Map<string, number>();
    sorted.forEach((f, i) => void (first.has(f.project.name) || first.set(f.project.name, i)));
    const at = (f: TestSpecification): number => first.get(f.project.name)!;
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => at(a.f) - at(b.f) || rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}
