/**
 * Test helpers that talk HTTP below the level of any client library: a raw request written to
 * a socket byte for byte (clients normalize `..` and `%2e%2e` away, attackers do not), and
 * running BusyBox wget, the client TinyCore uses.
 */
import { connect } from 'node:net';
import { execa } from 'execa';

export interface RawResponse {
  readonly status: number;
  readonly head: string;
  readonly raw: Buffer;
}

/** Send `METHOD target HTTP/1.1` exactly as given and read until the server closes. */
export function rawRequest(url: string, target: string, method = 'GET', extraHeaders = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(Number(port), hostname, () => {
      sock.write(Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n${extraHeaders}\r\n`, 'latin1'));
    });
    sock.setTimeout(5000, () => sock.destroy(new Error('raw request timed out')));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      const raw = Buffer.concat(chunks);
      const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
      resolve({ status: Number(/^HTTP\/1\.\d (\d{3})/.exec(head)?.[1] ?? 0), head, raw });
    });
  });
}

/** Run `busybox wget ARGS` in cwd; never throws, returns exit code and output. */
export async function busyboxWget(args: readonly string[], cwd: string): Promise<{ exitCode: number; output: string }> {
  const r = await execa('busybox', ['wget', ...args], { cwd, reject: false, all: true, timeout: 30_000 });
  if ((r as { code?: string }).code === 'ENOENT') throw new Error('busybox is not installed: apt-get install busybox-static');
  return { exitCode: r.exitCode ?? -1, output: String(r.all ?? '') };
}
