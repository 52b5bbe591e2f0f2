/**
 * A real containerd for tests: its own root, state and socket in a temp dir (the CRI plugin
 * off, nothing shared with a system daemon), and `ctr` pointed at it. A missing binary fails
 * the test, never skips.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild } from '../../../src/demo/registry.js';

const run = promisify(execFile);

export interface TestContainerd {
  readonly address: string;
  /** Run `ctr --address SOCK ARGS…`; rejects with stderr on a non-zero exit. */
  ctr(args: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startContainerd(): Promise<TestContainerd> {
  const dir = await mkdtemp(join(tmpdir(), 'tczbuild-containerd-'));
  const address = join(dir, 'c.sock');
  const config = [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${address}"`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'config.toml'), config);
  const child = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let spawnError: Error | undefined;
  child.on('error', (e) => void (spawnError = e));
  child.stderr?.on('data', (c: Buffer) => void (output += c.toString()));
  child.stdout?.on('data', (c: Buffer) => void (output += c.toString()));
  const ctr = async (args: readonly string[]): Promise<string> => {
    try {
      return (await run('ctr', ['--address', address, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`ctr ${args.join(' ')} failed: ${e.stderr || e.message}`);
    }
  };
  for (let i = 0; ; i++) {
    if (spawnError) throw new Error(`containerd could not start (apt-get install containerd): ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`containerd exited with ${child.exitCode}:\n${output}`);
    try {
      await ctr(['version']);
      break;
    } catch (error) {
      if (i > 100) throw new Error(`containerd did not come up: ${(error as Error).message}\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    address,
    ctr,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
