/** A temporary directory filled from an object of files, removed when the test finishes. */
import { mkdtemp, mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { onTestFinished } from 'vitest';

export type TreeSpec = Record<string, string | Buffer | { content: string | Buffer; mode: number }>;

/**
 * `onFinished` is the test's own `onTestFinished` (from its context): concurrent tests must pass
 * it, because vitest's global hook cannot tell which of several running tests it belongs to.
 */
export async function testdir(files: TreeSpec = {}, { keep = false, onFinished = onTestFinished } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-test-'));
  await writeTree(dir, files);
  if (!keep) onFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeTree(dir: string, files: TreeSpec): Promise<void> {
  for (const [rel, spec] of Object.entries(files)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) await writeFile(path, spec);
    else {
      await writeFile(path, spec.content);
      await chmod(path, spec.mode);
    }
  }
}
