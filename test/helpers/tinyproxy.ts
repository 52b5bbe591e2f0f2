/**
 * Debian's real tinyproxy on 127.0.0.1, for tests of proxy support: a forward proxy that logs
 * every request it relays (absolute-form GETs for http, CONNECT for https). Also a private CA
 * and a server certificate for 127.0.0.1 made with the real openssl. Fails (never skips) when
 * either tool is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { testdir } from './testdir.js';
import { freePort } from '../../src/demo/free-port.js';

export interface Tinyproxy {
  readonly url: string;
  /** The request lines tinyproxy logged so far ("GET http://… HTTP/1.1", "CONNECT 127.0.0.1:443 HTTP/1.1"). */
  requests(): Promise<string[]>;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1', () => (c.destroy(), resolve(true)));
    c.on('error', () => resolve(false));
  });
}

/** Start tinyproxy for the current test; stopped when the test finishes. */
export async function startTinyproxy(): Promise<Tinyproxy> {
  const dir = await testdir();
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  // No ConnectPort line: CONNECT is allowed to any port (the TLS fixture listens on a random one).
  await writeFile(join(dir, 'tinyproxy.conf'), [`Listen 127.0.0.1`, `Port ${port}`, 'Timeout 30', `LogFile "${log}"`, 'LogLevel Info', 'MaxClients 20', 'Allow 127.0.0.1', ''].join('\n'));
  const child = spawn('tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('error', () => undefined);
  onTestFinished(async () => {
    child.kill();
    await exited;
  });
  for (let i = 0; i < 100 && !(await listening(port)); i++) {
    if (child.exitCode !== null || child.pid === undefined) throw new Error('tinyproxy did not start (apt-get install tinyproxy)');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    requests: async () => {
      const text = await readFile(log, 'utf8').catch(() => '');
      return [...text.matchAll(/Request \(file descriptor \d+\): (.*)$/gm)].map((m) => m[1]!.trim());
    },
  };
}

export interface PrivateCa {
  /** The directory holding it all; the caller removes it. */
  readonly dir: string;
  /** PEM of the CA certificate (what --ca-file takes). */
  readonly caFile: string;
  /** Key and certificate for 127.0.0.1, signed by the CA. */
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** A fresh CA and a server certificate for IP 127.0.0.1, made with openssl. */
export async function makePrivateCa(): Promise<PrivateCa> {
  // Usable from beforeAll: the files are small and live in the system's temp directory.
  const dir = await testdir({}, { keep: true });
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tczbuild test private CA']);
  run(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  await writeFile(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext']);
  return { dir, caFile: join(dir, 'ca.pem'), key: await readFile(join(dir, 'server.key')), cert: await readFile(join(dir, 'server.pem')) };
}
