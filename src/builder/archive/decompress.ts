/**
 * The tar bytes inside a compressed archive, as a stream: gzip is inflated in process (zlib),
 * xz, bzip2 and zstd by the real tools (`xz -dc`, `bzip2 -dc`, `zstd -dc`) as child processes
 * (util/exec.ts: own process group, die with tczbuild) whose stdout is the stream. `finished` settles when the decompressor is done: a tool that
 * exits non-zero (corrupt data) rejects it with the tool's own words. It does not read tar.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fail } from '../../diagnostics/errors.js';
import { spawnTracked, spawnTrackedFrom, type Env } from '../../util/exec.js';
import type { Compression } from './format.js';

/** 1 MiB buffers: with the 16-64 KiB defaults, unpacking is bound by round trips, not by inflate. */
export const CHUNK = 1024 * 1024;

export interface Decompressed {
  /** The tar bytes, or (with `inflate`) the compressed bytes to pipe through it. */
  readonly input: Readable;
  readonly inflate?: Transform;
  readonly finished: Promise<void>;
  /** Stop decompressing early (the tar reader refused an entry). */
  stop(): void;
}

const tools: Readonly<Record<Exclude<Compression, 'gzip'>, { readonly file: string; readonly args: readonly string[]; readonly pkg: string }>> = {
  xz: { file: 'xz', args: ['-dc'], pkg: 'xz-utils' },
  bzip2: { file: 'bzip2', args: ['-dc'], pkg: 'bzip2' },
  zstd: { file: 'zstd', args: ['-dcq'], pkg: 'zstd' },
};

/** A byte range of the file (a .deb's data.tar member): start and end inclusive, as createReadStream takes them. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** `env`: the run's environment, which the decompressing tool is found on and runs in. */
export function decompress(path: string, compression: Compression | undefined, env: Env, range?: ByteRange): Decompressed {
  const read = (): Readable => createReadStream(path, { highWaterMark: CHUNK, ...range });
  if (compression === undefined) {
    const input = read();
    return { input, finished: Promise.resolve(), stop: () => void input.destroy() };
  }
  if (compression === 'gzip') {
    const input = read();
    const inflate = createGunzip({ chunkSize: CHUNK });
    return { input, inflate, finished: Promise.resolve(), stop: () => void input.destroy() };
  }
  const tool = tools[compression];
  // A whole file goes by name; a member of a larger file is fed on the tool's stdin.
  const child = range === undefined ? spawnTracked(tool.file, [...tool.args, '--', path], env) : spawnTrackedFrom(tool.file, tool.args, read(), env);
  if (!child) fail('tool-missing', undefined, `${tool.file} was not found on PATH (needed to unpack ${compression} compressed sources)`, `install it: apt-get install ${tool.pkg}`);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => void (stderr = (stderr + s).slice(-2000)));
  let stopped = false;
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0 || stopped) return resolve();
      const words = stderr.trim().split('\n').slice(-3).join('; ') || `exit ${code ?? signal}`;
      reject(new Error(`${tool.file} could not decompress it: ${words}`));
    });
  });
  return {
    input: child.stdout,
    finished,
    stop: () => {
      // Once the tool has written everything, let it exit on its own: its status says whether the data was whole.
      if (child.exitCode !== null || child.stdout.readableEnded) return;
      stopped = true;
      child.kill();
    },
  };
}
