import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/sequencer.js';

// clipanion's ESM build imports a directory (lib/platform), which Node's ESM loader refuses
// when vitest externalizes it; letting vite transform it resolves the import as bundlers do.
const server = { deps: { inline: ['clipanion'] } };

// Unit and integration files share one pool of workers (vitest runs projects with the same
// maxWorkers and sequence.groupOrder side by side; different ones run one group after another).
// More workers than cores: most files wait on what they start (QEMU, busybox scripts, servers,
// make), not on the CPU, and the longest files start first (test/sequencer.ts), so the short
// ones fill the gaps beside them. Integration files take random ports, their own temporary
// directories and their own mounts and loop devices, so they can share the machine; a test that
// fails beside another was timing-sensitive and is fixed to wait on events.
const workers = Math.max(4, availableParallelism() + 2);
// CPU-heavy files without timing yield to the booted boxes beside them (nice 10).
const setupFiles = ['test/setup-priority.ts'];

export default defineConfig({
  test: {
    // Builds dist/ once per run when it is older than src/: CLI tests never run a stale build.
    globalSetup: ['test/global-setup.ts'],
    // The longest files start first (a fresh clone has no timings for vitest to go by).
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        test: {
          server,
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          // Many unit tests run a real tool (busybox ash, shellcheck, mksquashfs): 5 s is a
          // quiet machine's margin, not a loaded 2-core one's. A hang still fails, in 30 s.
          testTimeout: 30_000,
          maxWorkers: workers,
          setupFiles,
        },
      },
      {
        test: {
          server,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          maxWorkers: workers,
          setupFiles,
        },
      },
    ],
  },
});
