/**
 * Drive `tczbuild serve` as a separate process the way a hostile LAN does: many clients that
 * request a big file and never read, next to ordinary clients. Shared by the stalled-reader
 * test (modest counts) and bench/serve/soak.ts (big counts). Memory is the server process's
 * own resident set, read from /proc.
 */
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { execa, type ResultPromise } from 'execa';

export interface ServeProcess {
  readonly proc: ResultPromise<{ reject: false; all: true }>;
  readonly pid: number;
  readonly url: string;
  output(): string;
}

/** Start `tczbuild serve --out root --port 0 ARGS` from the given repo and wait for its URL. */
export async function startServeProcess(repo: string, root: string, args: readonly string[] = []): Promise<ServeProcess> {
  const proc = execa('node', ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--out', root, '--port', '0', ...args], { cwd: repo, reject: false, all: true });
  let output = '';
  proc.all.on('data', (c: Buffer) => void (output += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 30_000);
    const check = (): void => {
      const m = /serving .* on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (!m?.[1] || !output.includes('/opt/tcemirror')) return;
      clearTimeout(timer);
      proc.all.off('data', check);
      resolve(m[1]);
    };
    proc.all.on('data', check);
    void proc.then(() => reject(new Error(`serve exited: ${output}`)));
  });
  return { proc, pid: proc.pid!, url, output: () => output };
}

/** Resident and peak resident memory of a process, in MiB. */
export async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Open n connections that each send `GET path` and then never read a byte; resolves once every
 * request is written. A paused socket never sees the server hang up (it would have to read the
 * unread body first): watch the server's log instead.
 */
export async function openStalledReaders(url: string, path: string, n: number): Promise<Socket[]> {
  const { hostname, port } = new URL(url);
  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: hostname, port: Number(port) }, () => {
        s.pause();
        s.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`, () => resolve(s));
      });
      s.on('error', reject);
    });
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i += 50) sockets.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, open))));
  for (const s of sockets) s.on('error', () => undefined);
  return sockets;
}

/** Poll until check() holds; the caller's test timeout bounds the wait. */
export async function waitUntil(check: () => boolean, everyMs = 100): Promise<void> {
  while (!check()) await sleep(everyMs);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
