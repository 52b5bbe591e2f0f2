/**
 * Vitest setup file: test files run side by side (vitest.config.ts), and the booted-box files
 * run QEMU under TCG with step timeouts meant for a box of its own. The files below are heavy on
 * the CPU (make, mksquashfs in loops) and assert nothing about time: their worker runs at nice
 * 10, so they take the CPU the guests and the other files leave. Every other file runs at the
 * priority it was started with. Each file has a worker process of its own, so a nice set here
 * ends with the file.
 */
import { setPriority } from 'node:os';
import { beforeAll } from 'vitest';

export const batchFiles: readonly string[] = [
  'test/integration/kernel-module-build.test.ts',
  'test/integration/kconfig-olddefconfig.test.ts',
  'test/integration/faults-interrupt.test.ts',
  'test/integration/faults-concurrent.test.ts',
  'test/integration/output-cache.test.ts',
  'test/integration/shard.test.ts',
  'test/integration/verify-defects.test.ts',
];

// eslint-disable-next-line no-empty-pattern
beforeAll(({}, suite) => {
  const file = suite.file.filepath;
  if (batchFiles.some((f) => file.endsWith(`/${f}`))) setPriority(10);
});
