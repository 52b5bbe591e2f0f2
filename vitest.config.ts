import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/sequencer.js';

// clipanion's ESM build imports a directory (lib/platform), which Node's ESM loader refuses
// when vitest externalizes it; letting vite transform it resolves the import as bundlers do.
const server = { deps: { inline: ['clipanion'] } };

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
          // At least two at a time (vitest's default on a 2-core machine is one): most unit files
          // wait on the processes they start (busybox scripts, the CLI), not on the CPU.
          maxWorkers: Math.max(2, availableParallelism() - 1),
        },
      },
      {
        test: {
          server,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // Integration tests mount loop devices, start daemons and bind ports: run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
